// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
  document.querySelectorAll(".js-hide").forEach((el) => { el.hidden = true; });
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      const target = document.getElementById(button.dataset.copy);
      if (target && navigator.clipboard) {
        navigator.clipboard.writeText(target.textContent.trim()).then(() => { button.textContent = "Copied"; });
      }
    });
  });
});

// A GET form marked data-drop-empty leaves its empty fields out of htmx requests (and so out of the address
// bar): /orders/?status=open rather than /orders/?q=&status=open&source=…
document.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.verb !== "get" || !event.detail.elt.closest("form[data-drop-empty]")) return;
  const params = event.detail.parameters;
  Object.keys(params).forEach((name) => { if (params[name] === "") delete params[name]; });
});

// The channel form shows the connection fields of the chosen connector type only (inputs marked
// data-connectors="amazon shopify ..."); without JavaScript every field shows, labelled with its connector.
document.addEventListener("DOMContentLoaded", () => {
  const type = document.getElementById("id_connector_type");
  if (!type) return;
  const show = () => {
    document.querySelectorAll("[data-connectors]").forEach((input) => {
      const field = input.closest(".field");
      if (field) field.hidden = !input.dataset.connectors.split(" ").includes(type.value);
    });
  };
  type.addEventListener("change", show);
  show();
});
