import { useState, type ReactNode } from "react";

export type Props = {
  /** The button's text ("Transfer", "Consult…"). */
  label: string;
  /** The button's tooltip. */
  title?: string | undefined;
  testId: string;
  /** A call control is under way: nothing to choose until it is done (an open menu stays open). */
  disabled: boolean;
  /**
   * The menu's items, given `choose`: runs a choice and closes the menu once it worked (on failure the
   * menu stays open to pick again; the reason shows in the bar).
   */
  children: (choose: (action: () => Promise<boolean>) => void) => ReactNode;
};

/** A call bar button that opens a small menu of choices (the transfer and consult menus). */
export function CallMenu({ label, title, testId, disabled, children }: Props) {
  const [open, setOpen] = useState(false);
  const choose = (action: () => Promise<boolean>) => {
    void action().then((worked) => worked && setOpen(false));
  };
  return (
    <div className="transfer-menu">
      <button
        className="button"
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={disabled && !open}
        title={title}
        onClick={() => setOpen((current) => !current)}
        data-testid={testId}
      >
        {label}
      </button>
      {open && children(choose)}
    </div>
  );
}
