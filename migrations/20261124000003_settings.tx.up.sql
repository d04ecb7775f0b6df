-- Organisation settings that steer the bot: tone, disclosure line,
-- confidence threshold, business hours, escalation rules and hand-off
-- routing. One typed JSON document (organization.Settings) so that new
-- settings need no migration; validated in Go before every write.
ALTER TABLE organizations ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';
