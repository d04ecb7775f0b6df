-- Scenario timers: the lead scenario reminds a silent customer once and
-- later gives the run up (ABANDONED). The timers are River jobs.

-- Every change to a run bumps its version. A timer carries the version it
-- was set at, so when it fires it can tell whether the run has moved on
-- (the customer answered, the bot nudged, the run ended) and do nothing.
-- A timestamp would not do: two turns may share one clock reading.
ALTER TABLE scenario_runs ADD COLUMN version integer NOT NULL DEFAULT 0;

-- When the timers fire, counted from the bot's last unanswered question.
-- 0 turns a timer off: no reminder, or a run that is never given up.
ALTER TABLE lead_settings
    ADD COLUMN follow_up_after_hours integer NOT NULL DEFAULT 24 CHECK (follow_up_after_hours BETWEEN 0 AND 720),
    ADD COLUMN abandon_after_hours integer NOT NULL DEFAULT 72 CHECK (abandon_after_hours BETWEEN 0 AND 2160),
    ADD CONSTRAINT lead_settings_abandon_after_follow_up
        CHECK (follow_up_after_hours = 0 OR abandon_after_hours = 0 OR abandon_after_hours > follow_up_after_hours);
