// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
  document.querySelectorAll(".js-hide").forEach((el) => { el.hidden = true; });
  // The channel form: fields a protocol fixes itself are hidden while that connector is chosen.
  const connector = document.getElementById("id_connector_type");
  if (connector) {
    const fixed = { shopify: ["auth_header", "products_path", "orders_path", "inventory_path", "order_format"] };
    const all = new Set(Object.values(fixed).flat());
    const show = () => {
      const hidden = fixed[connector.value] || [];
      all.forEach((name) => {
        const field = document.getElementById(`field-${name}`);
        if (field) field.hidden = hidden.includes(name);
      });
    };
    connector.addEventListener("change", show);
    show();
  }
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
