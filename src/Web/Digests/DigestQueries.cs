using Npgsql;

namespace Cybernet.Web.Digests;

/// <summary>A user with something not yet told about: their settings, since when the oldest item waits, their last digest.</summary>
public sealed record WaitingUser(Guid UserId, DigestSettings Settings, DateTimeOffset OldestWaiting, DateTimeOffset? LastDigest);

/// <summary>
/// The digest pass's SQL (notify.digests, digest_items, unseen_events): the one-pass-at-a-time lock, who is waiting,
/// claiming digests, marking one 'sending' and settling it. What the states mean is told on <see cref="DigestPass"/>.
/// </summary>
public sealed class DigestQueries(NpgsqlDataSource db)
{
    // "DIGESTS" in ASCII: one pass at a time across all web nodes. A session lock, so a pass that dies
    // (process killed, connection gone) releases it with its connection.
    private const long PassLockKey = 0x44494745535453;

    /// <summary>Takes the pass lock, or returns null when another pass holds it. Disposing the result releases it.</summary>
    public async Task<IAsyncDisposable?> TryLockPassAsync(CancellationToken cancellationToken)
    {
        var connection = await db.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", PassLockKey);
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                return new PassLock(connection);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    /// <summary>Confirmed users with something not yet told about, their settings and when they last had a digest.</summary>
    public async Task<List<WaitingUser>> FindWaitingAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT w.user_id, w.oldest, s.frequency, s.daily_at, s.quiet_from, s.quiet_until, s.time_zone, s.unsubscribed_at, s.last_digest_at
            FROM (SELECT user_id, min(waiting_since) AS oldest FROM notify.unseen_events
                  WHERE seen_at IS NULL AND waiting_since IS NOT NULL AND waiting_since <= @now
                  GROUP BY user_id) w
            JOIN accounts."AspNetUsers" u ON u."Id" = w.user_id AND u."EmailConfirmed"
            LEFT JOIN notify.digest_settings s ON s.user_id = w.user_id
            WHERE s.user_id IS NULL OR (s.frequency <> 'off' AND s.unsubscribed_at IS NULL)
            ORDER BY w.oldest
            """);
        command.Parameters.AddWithValue("now", now);
        var waiting = new List<WaitingUser>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            waiting.Add(new WaitingUser(
                reader.GetGuid(0),
                DigestSettingsStore.Read(reader, 2),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return waiting;
    }

    /// <summary>
    /// Claims a digest for each of <paramref name="userIds"/> in one transaction, recording what each will tell
    /// about. Users with a digest already in flight, or nothing left to tell, get none.
    /// </summary>
    public async Task<List<DigestContent>> ClaimAsync(Guid[] userIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = userIds.Select(_ => Guid.CreateVersion7(now)).ToArray();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var claim = new NpgsqlCommand("""
            INSERT INTO notify.digests (id, user_id, status, claimed_at)
            SELECT id, user_id, 'claimed', @now FROM unnest(@ids, @users) AS c(id, user_id)
            ON CONFLICT (user_id) WHERE status IN ('claimed', 'sending') DO NOTHING;
            INSERT INTO notify.digest_items (digest_id, event_id, count_through)
            SELECT d.id, e.id, e.count FROM notify.digests d
            JOIN notify.unseen_events e ON e.user_id = d.user_id
            WHERE d.id = ANY(@ids) AND e.seen_at IS NULL AND e.count > e.notified_count;
            """, connection, transaction))
        {
            claim.Parameters.AddWithValue("ids", ids);
            claim.Parameters.AddWithValue("users", userIds);
            claim.Parameters.AddWithValue("now", now);
            await claim.ExecuteNonQueryAsync(cancellationToken);
        }

        var digests = new Dictionary<Guid, (Guid UserId, string Name, string Email, List<DigestLine> Lines)>();
        await using (var read = new NpgsqlCommand("""
            SELECT i.digest_id, d.user_id, c."DisplayName", e.kind, i.count_through - e.notified_count, u."DisplayName", u."Email"
            FROM notify.digest_items i
            JOIN notify.digests d ON d.id = i.digest_id
            JOIN notify.unseen_events e ON e.id = i.event_id
            JOIN accounts."AspNetUsers" c ON c."Id" = e.contact_id
            JOIN accounts."AspNetUsers" u ON u."Id" = d.user_id
            WHERE i.digest_id = ANY(@ids) AND u."EmailConfirmed" AND u."Email" IS NOT NULL
            ORDER BY i.digest_id, c."DisplayName", e.kind
            """, connection, transaction))
        {
            read.Parameters.AddWithValue("ids", ids);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetGuid(0);
                if (!digests.TryGetValue(id, out var digest))
                {
                    digest = (reader.GetGuid(1), reader.GetString(5), reader.GetString(6), []);
                    digests[id] = digest;
                }

                digest.Lines.Add(new DigestLine(reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
            }
        }

        // Claimed with nothing to tell (or no confirmed address): not a digest after all.
        await using (var tidy = new NpgsqlCommand(
            "DELETE FROM notify.digests WHERE id = ANY(@ids) AND NOT (id = ANY(@kept))", connection, transaction))
        {
            tidy.Parameters.AddWithValue("ids", ids);
            tidy.Parameters.AddWithValue("kept", digests.Keys.ToArray());
            await tidy.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return [.. digests.Select(d => new DigestContent(d.Key, d.Value.UserId, d.Value.Name, d.Value.Email, d.Value.Lines))];
    }

    /// <summary>
    /// One round trip: settles <paramref name="sent"/> as 'sent' (its counts told) and marks <paramref name="next"/>
    /// 'sending'; on failure, settles <paramref name="inDoubt"/> and releases <paramref name="release"/>.
    /// </summary>
    public async Task StepAsync(DateTimeOffset now, Guid? sent, Guid? next, CancellationToken cancellationToken, Guid? inDoubt = null, Guid[]? release = null)
    {
        await using var batch = db.CreateBatch();
        if (sent is { } s)
        {
            batch.BatchCommands.Add(Settle(s, "sent", now));
        }

        if (inDoubt is { } d)
        {
            batch.BatchCommands.Add(Settle(d, "in-doubt", now));
        }

        if (release is { Length: > 0 })
        {
            var command = new NpgsqlBatchCommand("DELETE FROM notify.digests WHERE id = ANY(@ids) AND status IN ('claimed', 'sending')");
            command.Parameters.AddWithValue("ids", release);
            batch.BatchCommands.Add(command);
        }

        if (next is { } n)
        {
            var command = new NpgsqlBatchCommand("UPDATE notify.digests SET status = 'sending' WHERE id = @id AND status = 'claimed'");
            command.Parameters.AddWithValue("id", n);
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>After a pass that died: releases its 'claimed' digests and returns the 'sending' ones, which may have left.</summary>
    public async Task<List<Guid>> ReleaseClaimedAndFindSendingAsync(CancellationToken cancellationToken)
    {
        var sending = new List<Guid>();
        await using var command = db.CreateCommand("""
            DELETE FROM notify.digests WHERE status = 'claimed';
            SELECT id FROM notify.digests WHERE status = 'sending';
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sending.Add(reader.GetGuid(0));
        }

        return sending;
    }

    /// <summary>
    /// Ends a digest as 'sent' or 'in-doubt': either way what it told about counts as told, in one statement with
    /// the status. Only a digest still in flight is settled, so settling twice changes nothing.
    /// </summary>
    private static NpgsqlBatchCommand Settle(Guid digestId, string status, DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand("""
            WITH settled AS (
                UPDATE notify.digests SET status = @status, settled_at = @now
                WHERE id = @id AND status IN ('claimed', 'sending')
                RETURNING id, user_id),
            told AS (
                UPDATE notify.unseen_events e SET
                    notified_count = GREATEST(e.notified_count, i.count_through),
                    waiting_since = CASE WHEN e.count > GREATEST(e.notified_count, i.count_through) THEN e.updated_at END
                FROM notify.digest_items i JOIN settled ON settled.id = i.digest_id
                WHERE e.id = i.event_id)
            INSERT INTO notify.digest_settings AS s (user_id, last_digest_at)
            SELECT user_id, @now FROM settled
            ON CONFLICT (user_id) DO UPDATE SET last_digest_at = EXCLUDED.last_digest_at
            """);
        command.Parameters.AddWithValue("id", digestId);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("now", now);
        return command;
    }

    /// <summary>Holds the pass lock on its own connection until disposed.</summary>
    private sealed class PassLock(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // Explicitly: a pooled connection keeps its session (and a session lock) when it goes back to the pool.
            await using (var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection))
            {
                unlock.Parameters.AddWithValue("key", PassLockKey);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }

            await connection.DisposeAsync();
        }
    }
}
