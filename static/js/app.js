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

// The SKU look-up (orders/widgets.py): an input[data-sku-lookup] asks for ?q=<what is typed> (and the form's
// warehouse) and htmx fills its listbox; here the listbox is shown, walked with the arrow keys and picked from
// with Enter or a click. Without JavaScript the input is a plain text field.
document.addEventListener("htmx:configRequest", (event) => {
  const input = event.detail.elt;
  if (!input.matches || !input.matches("input[data-sku-lookup]")) return;
  const params = { q: input.value };
  const warehouse = input.dataset.warehouseField && document.getElementById(input.dataset.warehouseField);
  const chosen = (warehouse && warehouse.value) || input.dataset.warehouseDefault;
  if (chosen) params.warehouse = chosen;
  event.detail.parameters = params;
});

function skuListbox(input) {
  return document.getElementById(input.getAttribute("aria-controls"));
}

function skuOptions(listbox) {
  return Array.from(listbox.querySelectorAll('[role="option"]:not([aria-disabled="true"])'));
}

function skuClose(input) {
  const listbox = skuListbox(input);
  if (listbox) listbox.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
}

function skuActivate(input, option) {
  const listbox = skuListbox(input);
  skuOptions(listbox).forEach((o) => o.setAttribute("aria-selected", o === option ? "true" : "false"));
  if (option) {
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

function skuPick(input, option) {
  input.value = option.dataset.value;
  skuClose(input);
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

document.addEventListener("htmx:afterSwap", (event) => {
  const listbox = event.detail.target;
  if (!listbox.classList || !listbox.classList.contains("sku-options")) return;
  const input = document.querySelector(`[aria-controls="${listbox.id}"]`);
  listbox.querySelectorAll('[role="option"]').forEach((option, index) => { option.id = `${listbox.id}-${index}`; });
  const open = listbox.children.length > 0 && input === document.activeElement;
  listbox.hidden = !open;
  input.setAttribute("aria-expanded", open ? "true" : "false");
  input.removeAttribute("aria-activedescendant");
});

document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (!input.matches || !input.matches("input[data-sku-lookup]")) return;
  const listbox = skuListbox(input);
  if (!listbox || listbox.hidden) return;
  const options = skuOptions(listbox);
  const current = options.findIndex((o) => o.getAttribute("aria-selected") === "true");
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    if (!options.length) return;
    const step = event.key === "ArrowDown" ? 1 : -1;
    skuActivate(input, options[(current + step + options.length) % options.length]);
  } else if (event.key === "Enter" && current >= 0) {
    event.preventDefault();
    skuPick(input, options[current]);
  } else if (event.key === "Escape") {
    skuClose(input);
  }
});

document.addEventListener("mousedown", (event) => {
  const option = event.target.closest && event.target.closest('.sku-options [role="option"]');
  if (!option || option.getAttribute("aria-disabled") === "true") return;
  event.preventDefault(); // keep the focus in the input
  const input = document.querySelector(`[aria-controls="${option.parentElement.id}"]`);
  if (input) skuPick(input, option);
});

document.addEventListener("focusout", (event) => {
  if (event.target.matches && event.target.matches("input[data-sku-lookup]")) skuClose(event.target);
});

// "Remove" on a line row of the manual order form takes the row away here; without JavaScript it posts the
// form back without that row. A removed row is simply not sent (blank rows are left out).
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("button[data-remove-row]");
  if (!button) return;
  event.preventDefault();
  const row = button.closest("tr");
  const next = row.nextElementSibling || row.previousElementSibling;
  row.remove();
  const focus = (next && next.querySelector("input")) || document.getElementById("add-line");
  if (focus) focus.focus();
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
