-- Switchboard's whole domain. Kept in step with prisma/schema.prisma by test/schema.test.ts.

CREATE TYPE "CustomerTier" AS ENUM ('standard', 'gold', 'platinum');
CREATE TYPE "IdentityKind" AS ENUM ('phone', 'email', 'chat_visitor');
CREATE TYPE "Channel" AS ENUM ('sms', 'voice', 'email', 'chat');
CREATE TYPE "ConsentStatus" AS ENUM ('opted_in', 'opted_out');
CREATE TYPE "ConversationStatus" AS ENUM ('queued', 'offered', 'assigned', 'pending_customer', 'snoozed', 'resolved');
CREATE TYPE "MessageDirection" AS ENUM ('inbound', 'outbound', 'internal');
CREATE TYPE "MessageKind" AS ENUM ('text', 'email', 'call', 'voicemail', 'note', 'event');
CREATE TYPE "MessageStatus" AS ENUM ('received', 'queued', 'sent', 'delivered', 'failed');
CREATE TYPE "AgentRole" AS ENUM ('agent', 'supervisor', 'admin');
CREATE TYPE "Presence" AS ENUM ('offline', 'available', 'away', 'busy', 'wrap_up');
CREATE TYPE "OfferStatus" AS ENUM ('pending', 'accepted', 'rejected', 'timed_out', 'withdrawn');

CREATE SEQUENCE message_change_seq;

CREATE TABLE customers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  display_name text,
  tier "CustomerTier" NOT NULL DEFAULT 'standard',
  lifetime_value numeric(12, 2),
  merged_into_id uuid,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE identities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers(id),
  kind "IdentityKind" NOT NULL,
  value text NOT NULL,
  verified boolean NOT NULL DEFAULT false,
  source text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX identities_kind_value_key ON identities (kind, value);
CREATE INDEX identities_customer_id_idx ON identities (customer_id);

CREATE TABLE consents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers(id),
  channel "Channel" NOT NULL,
  status "ConsentStatus" NOT NULL,
  source text NOT NULL,
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX consents_customer_id_channel_key ON consents (customer_id, channel);

CREATE TABLE queues (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  required_skills text[] NOT NULL DEFAULT '{}',
  service_levels jsonb NOT NULL DEFAULT '{}',
  timezone text NOT NULL DEFAULT 'UTC',
  business_hours jsonb NOT NULL DEFAULT '{}',
  max_wait_seconds integer NOT NULL DEFAULT 600,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX queues_name_key ON queues (name);

CREATE TABLE agents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  name text NOT NULL,
  password_hash text NOT NULL,
  role "AgentRole" NOT NULL DEFAULT 'agent',
  skills text[] NOT NULL DEFAULT '{}',
  capacity_voice integer NOT NULL DEFAULT 1,
  capacity_chat integer NOT NULL DEFAULT 3,
  capacity_sms integer NOT NULL DEFAULT 5,
  capacity_email integer NOT NULL DEFAULT 8,
  presence "Presence" NOT NULL DEFAULT 'offline',
  presence_changed_at timestamptz(3) NOT NULL DEFAULT now(),
  last_assigned_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agents_email_key ON agents (email);

CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3) NOT NULL
);
CREATE INDEX sessions_agent_id_idx ON sessions (agent_id);

CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers(id),
  channel "Channel" NOT NULL,
  status "ConversationStatus" NOT NULL,
  queue_id uuid REFERENCES queues(id),
  assigned_agent_id uuid REFERENCES agents(id),
  customer_address text NOT NULL,
  business_address text,
  subject text,
  priority integer NOT NULL DEFAULT 100,
  waiting_since timestamptz(3),
  last_message_at timestamptz(3) NOT NULL DEFAULT now(),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  resolved_at timestamptz(3)
);
CREATE INDEX conversations_customer_id_channel_status_idx ON conversations (customer_id, channel, status);
CREATE INDEX conversations_assigned_agent_id_status_idx ON conversations (assigned_agent_id, status);
CREATE INDEX conversations_status_priority_waiting_since_idx ON conversations (status, priority, waiting_since);

CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations(id),
  customer_id uuid NOT NULL REFERENCES customers(id),
  channel "Channel" NOT NULL,
  direction "MessageDirection" NOT NULL,
  kind "MessageKind" NOT NULL DEFAULT 'text',
  body text NOT NULL DEFAULT '',
  media jsonb NOT NULL DEFAULT '[]',
  external_id text,
  status "MessageStatus" NOT NULL,
  error_code text,
  error_message text,
  author_agent_id uuid REFERENCES agents(id),
  idempotency_key text,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT nextval('message_change_seq'::regclass)
);
ALTER SEQUENCE message_change_seq OWNED BY messages.change_seq;
CREATE UNIQUE INDEX messages_channel_external_id_key ON messages (channel, external_id);
CREATE UNIQUE INDEX messages_idempotency_key_key ON messages (idempotency_key);
CREATE INDEX messages_customer_id_created_at_id_idx ON messages (customer_id, created_at DESC, id DESC);
CREATE INDEX messages_customer_id_change_seq_idx ON messages (customer_id, change_seq);
CREATE INDEX messages_conversation_id_created_at_idx ON messages (conversation_id, created_at);

CREATE TABLE offers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations(id),
  agent_id uuid NOT NULL REFERENCES agents(id),
  channel "Channel" NOT NULL,
  status "OfferStatus" NOT NULL DEFAULT 'pending',
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3) NOT NULL,
  responded_at timestamptz(3)
);
CREATE INDEX offers_agent_id_status_idx ON offers (agent_id, status);
CREATE INDEX offers_conversation_id_idx ON offers (conversation_id);
-- Invariant 3: a conversation is offered to one agent at a time.
CREATE UNIQUE INDEX offers_one_pending_per_conversation ON offers (conversation_id) WHERE status = 'pending';

CREATE TABLE reminders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents(id),
  customer_id uuid NOT NULL REFERENCES customers(id),
  conversation_id uuid REFERENCES conversations(id),
  due_at timestamptz(3) NOT NULL,
  note text NOT NULL,
  fired_at timestamptz(3),
  done_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX reminders_due_at_idx ON reminders (due_at);

CREATE TABLE canned_replies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shortcut text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  created_by_id uuid REFERENCES agents(id),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX canned_replies_shortcut_key ON canned_replies (shortcut);

CREATE TABLE notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers(id),
  conversation_id uuid REFERENCES conversations(id),
  agent_id uuid NOT NULL REFERENCES agents(id),
  body text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX notes_customer_id_idx ON notes (customer_id);

CREATE TABLE audit_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  actor_id uuid REFERENCES agents(id),
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_entity_type_entity_id_idx ON audit_events (entity_type, entity_id);

CREATE TABLE channel_cursors (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel "Channel" NOT NULL,
  key text NOT NULL,
  uid_validity text,
  last_uid bigint NOT NULL DEFAULT 0,
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX channel_cursors_channel_key_key ON channel_cursors (channel, key);
