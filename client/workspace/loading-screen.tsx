export type Props = { problem: string | null };

export function LoadingScreen({ problem }: Props) {
  return (
    <div className="splash">
      <div className="splash__brand">Switchboard</div>
      <p className="splash__text" role="status">
        {problem ? `${problem} Trying again…` : "Loading…"}
      </p>
    </div>
  );
}
