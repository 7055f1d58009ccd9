import { useState, type FormEvent } from "react";
import type { CustomerView } from "../../../shared/api.ts";
import { MAX_TAGS, Tag } from "../../../shared/customers.ts";
import { errorMessage } from "../../lib/api.ts";
import { customerApi } from "../../lib/customer-api.ts";

export type Props = { customer: CustomerView; onChanged: () => void };

/** Labels any agent puts on the customer; every change is audited on the server. */
export function CustomerTags({ customer, onChanged }: Props) {
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function save(tags: string[]) {
    setError(null);
    try {
      await customerApi.update(customer.id, { tags });
      onChanged();
      return true;
    } catch (failure) {
      setError(errorMessage(failure));
      return false;
    }
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    const parsed = Tag.safeParse(draft);
    if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? "Not a tag");
    if (customer.tags.includes(parsed.data)) return setDraft("");
    if (await save([...customer.tags, parsed.data])) setDraft("");
  }

  return (
    <section className="customer-panel__section" aria-label="Tags">
      <h3>Tags</h3>
      <ul className="customer-panel__tags" data-testid="customer-tags">
        {customer.tags.map((tag) => (
          <li key={tag} className="customer-panel__tag">
            <span dir="auto">{tag}</span>
            <button className="customer-panel__tag-remove" type="button" aria-label={`Remove tag ${tag}`} onClick={() => void save(customer.tags.filter((t) => t !== tag))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      {customer.tags.length < MAX_TAGS && (
        <form className="customer-panel__inline-form" onSubmit={add}>
          <input className="input" aria-label="New tag" placeholder="Add a tag" value={draft} maxLength={32} onChange={(e) => setDraft(e.target.value)} />
          <button className="button" type="submit" disabled={!draft.trim()}>Add</button>
        </form>
      )}
      {error && <p className="customer-panel__error" role="alert">{error}</p>}
    </section>
  );
}
