-- Answered calls run in a Twilio conference (the "agent conference" Twilio recommends), so hold, warm
-- transfer and a supervisor's listen, whisper and barge are participant changes. One conference per
-- call conversation, named for it; Twilio's ConferenceSid arrives with its first status callback.
CREATE TABLE call_conferences (
  conversation_id uuid PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  friendly_name text NOT NULL UNIQUE,
  conference_sid text UNIQUE,
  status text NOT NULL DEFAULT 'init' CHECK (status IN ('init', 'in-progress', 'completed')),
  started_at timestamptz(3),
  ended_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- Every call in a conference: the customer's, the agent's, a colleague consulted before a warm
-- transfer, a supervisor monitoring. The agent leg's CallSid is what a whisper coaches.
CREATE TABLE call_legs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES call_conferences(conversation_id) ON DELETE CASCADE,
  call_sid text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('customer', 'agent', 'consult', 'monitor')),
  agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
  monitor_mode text CHECK (monitor_mode IN ('listen', 'whisper', 'barge')),
  status text NOT NULL DEFAULT 'dialing' CHECK (status IN ('dialing', 'joined', 'left', 'failed')),
  on_hold boolean NOT NULL DEFAULT false,
  muted boolean NOT NULL DEFAULT false,
  joined_at timestamptz(3),
  ended_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CHECK ((role = 'monitor') = (monitor_mode IS NOT NULL))
);
CREATE INDEX call_legs_conversation_id_idx ON call_legs (conversation_id);
-- One live monitor leg per supervisor per call: a second request changes its mode instead.
CREATE UNIQUE INDEX call_legs_one_monitor_idx ON call_legs (conversation_id, agent_id) WHERE role = 'monitor' AND ended_at IS NULL;
