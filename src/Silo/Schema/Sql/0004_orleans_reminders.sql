-- Durable reminders for Orleans.Reminders.AdoNet.
--
-- GrainHash is the grain's uniform hash cast to a signed integer: each silo owns ranges of the
-- hash ring and loads the reminders inside them. StartTime comes in as a UTC DateTime typed
-- DbType.DateTime, which Npgsql sends as timestamptz: stored in a plain timestamp column it would
-- be converted through the session's TimeZone and silently shifted, so the column is timestamptz
-- (as upstream's 3.6.0 migration concluded). Period is in milliseconds and is read back with
-- GetInt64, so it must be bigint even though the provider sends an int when it fits.
-- Version is the reminder's ETag.
CREATE TABLE OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      varchar(150) NOT NULL,
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz  NOT NULL,
    Period       bigint       NOT NULL,
    GrainHash    integer      NOT NULL,
    Version      integer      NOT NULL,

    CONSTRAINT pk_orleans_reminders PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Silos read reminders by hash range when they take over part of the ring.
CREATE INDEX ix_orleans_reminders_ring ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Registers or re-registers a reminder and answers its new ETag in a column named Version.
('UpsertReminderRowKey', $query$
INSERT INTO OrleansRemindersTable AS r
    (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
SET StartTime = excluded.StartTime,
    Period = excluded.Period,
    GrainHash = excluded.GrainHash,
    Version = r.Version + 1
RETURNING r.Version AS Version;
$query$),

-- Every reminder of one grain.
('ReadReminderRowsKey', $query$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
$query$),

-- One reminder of one grain.
('ReadReminderRowKey', $query$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
$query$),

-- A ring range that does not wrap: (BeginHash, EndHash].
('ReadRangeRows1Key', $query$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
$query$),

-- A ring range that wraps past the largest hash: (BeginHash, max] and [min, EndHash].
('ReadRangeRows2Key', $query$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
$query$),

-- Unregisters a reminder if its ETag still matches; non-zero = deleted.
('DeleteReminderRowKey', $query$
WITH deleted AS (
    DELETE FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName
        AND Version = @Version
    RETURNING 1
)
SELECT count(*)::integer AS row_count FROM deleted;
$query$),

-- Removes every reminder of a service (used by test and tooling paths).
('DeleteReminderRowsKey', $query$
DELETE FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId;
$query$);
