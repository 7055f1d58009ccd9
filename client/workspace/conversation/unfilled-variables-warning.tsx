// A reply still holding {{…}} placeholders is not sent: this names what the agent must fill in.
export type Props = { variables: string[] };

export function UnfilledVariablesWarning({ variables }: Props) {
  if (variables.length === 0) return null;
  return (
    <p className="composer__unfilled" role="alert" data-testid="composer-unfilled">
      Fill in {variables.map((v) => `{{${v}}}`).join(", ")} before sending.
    </p>
  );
}
