// Within one page: a reminder changed here (set, done, cancelled) so every list of reminders reloads
// (the due list and the customer panel each keep their own).
type Listener = () => void;
const listeners = new Set<Listener>();

export function remindersChanged(): void {
  for (const listener of listeners) listener();
}

export function onRemindersChanged(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
