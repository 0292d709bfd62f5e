-- Cluster membership for Orleans.Clustering.AdoNet (silos find each other through these rows).
--
-- Orleans' "ClusterId" arrives as the parameter @DeploymentId. Times arrive as UTC DateTime
-- values typed DbType.DateTime, which Npgsql sends as timestamptz; the columns are timestamptz
-- so no session time zone ever shifts them. Every query answers with the column names Orleans
-- reads (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
-- SuspectTimes, StartTime, IAmAliveTime, Version); the order does not matter to it.

-- One row per cluster. Version is the membership table's optimistic-concurrency tag: every
-- change to a silo row must name the version it read and bumps it by one.
CREATE TABLE OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0,

    CONSTRAINT pk_orleans_membership_version PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation (a restarted silo comes back with a new Generation).
-- Status holds Orleans' SiloStatus: 1 Created, 2 Joining, 3 Active, 4 ShuttingDown,
-- 5 Stopping, 6 Dead. Deleting a cluster's version row takes its silo rows with it.
CREATE TABLE OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,
    ProxyPort    integer      NOT NULL DEFAULT 0,
    SuspectTimes text         NULL,
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,

    CONSTRAINT pk_orleans_membership PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT fk_orleans_membership_version FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId) ON DELETE CASCADE
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Creates the cluster's version row once. Orleans reads the single column as a boolean:
-- non-zero means "this call created it".
('InsertMembershipVersionKey', $query$
WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS row_count FROM created;
$query$),

-- Adds a silo row only while the table is still at the version the caller read, and bumps
-- that version in the same statement. The version row is locked first, so of two silos
-- joining at once exactly one wins and the other re-reads and retries. Non-zero = success.
('InsertMembershipKey', $query$
WITH expected AS (
    SELECT DeploymentId
    FROM OrleansMembershipVersionTable
    WHERE DeploymentId = @DeploymentId AND Version = @Version
    FOR UPDATE
), inserted AS (
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM expected
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING
    RETURNING DeploymentId
), bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    FROM inserted
    WHERE v.DeploymentId = inserted.DeploymentId
    RETURNING 1
)
SELECT count(*)::integer AS row_count FROM bumped;
$query$),

-- Changes a silo's status and suspicions under the same rule: only at the expected version,
-- and the version moves only if the silo row was really there. Non-zero = success.
('UpdateMembershipKey', $query$
WITH expected AS (
    SELECT DeploymentId
    FROM OrleansMembershipVersionTable
    WHERE DeploymentId = @DeploymentId AND Version = @Version
    FOR UPDATE
), updated AS (
    UPDATE OrleansMembershipTable m
    SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    FROM expected
    WHERE m.DeploymentId = expected.DeploymentId
        AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    RETURNING m.DeploymentId
), bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    FROM updated
    WHERE v.DeploymentId = updated.DeploymentId
    RETURNING 1
)
SELECT count(*)::integer AS row_count FROM bumped;
$query$),

-- The heartbeat. Deliberately outside the versioning: it is frequent, and other silos read
-- it only to judge liveness. Orleans ignores the result.
('UpdateIAmAlivetimeKey', $query$
UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId
    AND Address = @Address AND Port = @Port AND Generation = @Generation;
$query$),

-- One silo's row plus the table version. The outer join keeps the version row in the answer
-- when the silo has no row yet; Orleans treats a NULL StartTime as "no such silo".
('MembershipReadRowKey', $query$
SELECT
    v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
    m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
    ON m.DeploymentId = v.DeploymentId
    AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;
$query$),

-- Every silo row of the cluster plus the table version (same shape as above).
('MembershipReadAllKey', $query$
SELECT
    v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
    m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
$query$),

-- Forgets a whole cluster; the foreign key cascades to its silo rows.
('DeleteMembershipTableEntriesKey', $query$
DELETE FROM OrleansMembershipVersionTable
WHERE DeploymentId = @DeploymentId;
$query$),

-- Gateways a client may connect to: active silos that listen for clients (@Status is 3).
('GatewaysQueryKey', $query$
SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
$query$),

-- Required by the provider, but only run when the row-wise query below is absent: removes
-- dead silos (6) whose last heartbeat is older than the cut-off.
('CleanupDefunctSiloEntriesKey', $query$
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = 6 AND IAmAliveTime < @IAmAliveTime;
$query$),

-- Optional since Orleans 10.4, and preferred when present: the provider picks old dead rows
-- itself and deletes each one only if it still holds exactly the values it read, so a row
-- that changed meanwhile survives. SuspectTimes may be NULL or '' for "no votes".
('CleanupDefunctSiloEntryKey', $query$
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
    AND Address = @Address AND Port = @Port AND Generation = @Generation
    AND Status = 6
    AND StartTime = @StartTime
    AND IAmAliveTime = @IAmAliveTime
    AND coalesce(SuspectTimes, '') = coalesce(@SuspectTimes, '');
$query$);
