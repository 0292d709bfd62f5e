-- Grain state for Orleans.Persistence.AdoNet ([PersistentState] on an ADO.NET storage provider).
--
-- A grain is identified by its service, its type and its key. The provider sends the key split
-- into GrainIdN0/GrainIdN1 (integer and Guid keys) and GrainIdExtensionString (string keys and
-- key extensions, NULL when there is none), plus 32-bit hashes of the key and of the type name
-- that make lookups cheap. Version is the ETag: every successful write bumps it, and a write
-- that names a stale version changes nothing, which Orleans reports as InconsistentStateException.
CREATE TABLE OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NOT NULL
);

-- One row per grain, enforced by the database rather than by a read-then-insert, so two
-- activations racing to create the same state (possible while a cluster heals a split)
-- cannot both succeed. NULLS NOT DISTINCT (PostgreSQL 15+) makes "no key extension" one value.
-- The hashes lead because every query filters on them first.
CREATE UNIQUE INDEX ux_orleans_storage_grain
    ON OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, ServiceId, GrainTypeString, GrainIdExtensionString)
    NULLS NOT DISTINCT;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Reads one grain's state. Orleans reads PayloadBinary (NULL = no state recorded) and Version
-- by name; ModifiedOn is there for people looking at the table.
('ReadFromStorageKey', $query$
SELECT PayloadBinary, ModifiedOn, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
    AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
    AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
    AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString;
$query$),

-- Writes state and answers the new version as NewGrainStateVersion. With a version the grain
-- read earlier, it updates that version only; with no version (the grain never saw a row) it
-- inserts version 1 unless a row already exists. Either way a lost race returns no row, and
-- Orleans turns "no new version" into InconsistentStateException.
('WriteToStorageKey', $query$
WITH updated AS (
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
    WHERE @GrainStateVersion IS NOT NULL
        AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
        AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
        AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
        AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
        AND Version = @GrainStateVersion
    RETURNING Version
), inserted AS (
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString,
         ServiceId, PayloadBinary, Version)
    SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString,
        @ServiceId, @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM updated
UNION ALL
SELECT Version FROM inserted;
$query$),

-- ClearStateAsync when the provider keeps the row: drops the payload, bumps the version and
-- answers it in the first column (no row = stale version).
('ClearStorageKey', $query$
UPDATE OrleansStorage
SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
    AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
    AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
    AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
    AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
$query$),

-- ClearStateAsync with DeleteStateOnClear: removes the row. The provider checks that the
-- answer differs from the version it sent, hence version + 1.
('DeleteStorageKey', $query$
DELETE FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
    AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
    AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
    AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
    AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;
$query$);
