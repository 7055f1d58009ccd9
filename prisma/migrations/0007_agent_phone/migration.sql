-- An agent may take calls on their own phone instead of the browser softphone (E.164, or null).
ALTER TABLE agents ADD COLUMN forward_phone text;
