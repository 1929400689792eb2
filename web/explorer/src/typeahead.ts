// A search box with typeahead over the API's `search`, results grouped by entity kind, usable
// by keyboard (ArrowDown/ArrowUp move, Enter picks, Escape closes) as an ARIA combobox.
import { ApiError, query } from "./api";
import type { EntityRef } from "./queries";
import { SEARCH, displayName } from "./queries";

interface Hit {
  score: number;
  entity: EntityRef & { aliases: string[] };
}

let instances = 0;

export class Typeahead {
  readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private options: { element: HTMLLIElement; entity: EntityRef }[] = [];
  private active = -1;
  private sequence = 0;
  private timer: number | undefined;

  constructor(
    mount: HTMLElement,
    label: string,
    private readonly pick: (entity: EntityRef) => void,
    private readonly fail: (error: ApiError) => void,
  ) {
    const n = ++instances;
    const wrapper = document.createElement("div");
    wrapper.className = "typeahead";
    const labelElement = document.createElement("label");
    labelElement.className = "visually-hidden";
    labelElement.htmlFor = `typeahead-${n}`;
    labelElement.textContent = label;
    this.input = document.createElement("input");
    this.input.id = `typeahead-${n}`;
    this.input.type = "search";
    this.input.placeholder = label;
    this.input.autocomplete = "off";
    this.input.spellcheck = false;
    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-expanded", "false");
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-controls", `typeahead-${n}-list`);
    this.list = document.createElement("ul");
    this.list.id = `typeahead-${n}-list`;
    this.list.className = "typeahead-list";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", `${label}: results`);
    this.list.hidden = true;
    wrapper.append(labelElement, this.input, this.list);
    mount.append(wrapper);

    this.input.addEventListener("input", () => {
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.search(), 120);
    });
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.input.addEventListener("blur", () => window.setTimeout(() => this.close(), 150));
  }

  private async search(): Promise<void> {
    const text = this.input.value.trim();
    const sequence = ++this.sequence;
    if (text.length === 0) {
      this.close();
      return;
    }
    try {
      const data = await query<{ search: Hit[] }>(SEARCH, { q: text.slice(0, 200) });
      if (sequence !== this.sequence) return; // a newer search is under way
      this.render(data.search);
    } catch (error) {
      if (sequence !== this.sequence) return;
      this.close();
      this.fail(error instanceof ApiError ? error : new ApiError(String(error)));
    }
  }

  /** Groups hits by kind, the groups in the order of their best hit. */
  private render(hits: Hit[]): void {
    this.list.replaceChildren();
    this.options = [];
    this.active = -1;
    const groups = new Map<string, Hit[]>();
    for (const hit of hits) {
      const group = groups.get(hit.entity.kind) ?? [];
      group.push(hit);
      groups.set(hit.entity.kind, group);
    }
    if (hits.length === 0) {
      const empty = document.createElement("li");
      empty.className = "typeahead-empty";
      empty.textContent = "No match";
      this.list.append(empty);
    }
    for (const [kind, group] of groups) {
      const header = document.createElement("li");
      header.className = "typeahead-group";
      header.setAttribute("role", "presentation");
      header.textContent = kind.replace(/_/g, " ").toLowerCase();
      this.list.append(header);
      for (const hit of group) {
        const option = document.createElement("li");
        option.id = `${this.list.id}-${this.options.length}`;
        option.className = "typeahead-option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.id = hit.entity.id;
        option.dataset.kind = hit.entity.kind;
        const name = document.createElement("span");
        name.textContent = displayName(hit.entity);
        option.append(name);
        const query = this.input.value.trim().toLowerCase();
        const alias = hit.entity.aliases.find((a) => a.toLowerCase().includes(query) && a !== hit.entity.name);
        if (alias) {
          const small = document.createElement("small");
          small.textContent = ` (${alias})`;
          option.append(small);
        }
        const index = this.options.length;
        option.addEventListener("mousedown", (event) => {
          event.preventDefault(); // keep the focus in the input
          this.choose(index);
        });
        this.options.push({ element: option, entity: hit.entity });
        this.list.append(option);
      }
    }
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.move(this.options.length > 0 ? 0 : -1);
  }

  private move(index: number): void {
    this.options[this.active]?.element.setAttribute("aria-selected", "false");
    this.active = index;
    const option = this.options[index];
    if (option) {
      option.element.setAttribute("aria-selected", "true");
      option.element.scrollIntoView({ block: "nearest" });
      this.input.setAttribute("aria-activedescendant", option.element.id);
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  private key(event: KeyboardEvent): void {
    const open = !this.list.hidden && this.options.length > 0;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      this.move((this.active + 1) % this.options.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      this.move((this.active - 1 + this.options.length) % this.options.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (open && this.active >= 0) this.choose(this.active);
    } else if (event.key === "Escape") {
      this.close();
    }
  }

  private choose(index: number): void {
    const option = this.options[index];
    if (!option) return;
    this.input.value = displayName(option.entity);
    this.close();
    this.pick(option.entity);
  }

  close(): void {
    this.sequence++;
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  set(entity: EntityRef | null): void {
    this.input.value = entity ? displayName(entity) : "";
  }
}
