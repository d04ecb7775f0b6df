-- The event log's delivery horizon: the oldest transaction of THIS database
-- that was still running when the caller's snapshot was taken, or the
-- snapshot's xmax when there is none. Readers return only events below it.
--
-- pg_snapshot_xmin alone is cluster-wide, so a long transaction in any
-- other database on the same server would hold every subscriber back. An
-- in-progress transaction is skipped only when pg_stat_activity shows it
-- running in another database; one that has just ended, or whose backend
-- is not visible to this role, still counts, which only makes the horizon
-- more conservative, never unsafe. backend_xid is the 32-bit form of the
-- xid8 in the snapshot (same value modulo 2^32).
CREATE FUNCTION event_horizon() RETURNS xid8
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT min(x) FROM pg_snapshot_xip(snap.s) AS x
         WHERE NOT EXISTS (
             SELECT 1 FROM pg_stat_activity a
             WHERE a.backend_xid IS NOT NULL
               AND a.datname IS DISTINCT FROM current_database()
               AND a.backend_xid::text::bigint = x::text::bigint % 4294967296)),
        pg_snapshot_xmax(snap.s))
    FROM (SELECT pg_current_snapshot() AS s) AS snap
$$;
