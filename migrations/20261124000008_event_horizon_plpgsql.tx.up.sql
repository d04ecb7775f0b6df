-- event_horizon(), same meaning, as PL/pgSQL. A LANGUAGE sql function is
-- inlined into every query that calls it, so each read of the event log
-- planned its subqueries over pg_stat_get_activity anew (about 0.4 ms, as
-- much as running it). PL/pgSQL is never inlined and keeps the plan of its
-- query for the session.
--
-- STABLE matters: the function's query runs with the calling statement's
-- snapshot, so the horizon and the rows the caller reads agree.
CREATE OR REPLACE FUNCTION event_horizon() RETURNS xid8
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    snap pg_snapshot := pg_current_snapshot();
    oldest xid8;
BEGIN
    -- No transaction running anywhere: everything below xmax has ended.
    IF pg_snapshot_xmin(snap) = pg_snapshot_xmax(snap) THEN
        RETURN pg_snapshot_xmax(snap);
    END IF;
    -- The oldest running transaction that is not another database's.
    SELECT min(x) INTO oldest
    FROM pg_snapshot_xip(snap) AS x
    WHERE x::text::bigint % 4294967296 <> ALL (
        SELECT a.backend_xid::text::bigint FROM pg_stat_get_activity(NULL::integer) AS a
        WHERE a.backend_xid IS NOT NULL
          AND a.datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database()));
    RETURN coalesce(oldest, pg_snapshot_xmax(snap));
END
$$;
