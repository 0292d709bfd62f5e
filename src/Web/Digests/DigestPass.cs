using System.Diagnostics.Metrics;

using Cybernet.Web.Email;

using Microsoft.Extensions.Options;

using Npgsql;

namespace Cybernet.Web.Digests;

/// <summary>What one pass did.</summary>
public sealed record DigestPassResult(bool Ran, int Due, int SkippedOnline, int Sent, int SettledInDoubt)
{
    /// <summary>Where the pass spent its time: finding who is due, asking who is online, claiming and sending.</summary>
    public (TimeSpan Find, TimeSpan Presence, TimeSpan Send) Phases { get; init; }
}

/// <summary>
/// One digest pass: finds users with unseen events older than their chosen delay who are not online, and
/// emails each one digest.
/// <para>
/// Never two emails for one event. Digests are claimed a batch at a time ('claimed', with the counts each will
/// tell about); each is marked 'sending' just before its SMTP send and settled 'sent' (its counts marked told)
/// after the server took it, in the same round trip that marks the next one 'sending'. A pass that dies leaves
/// its 'claimed' digests, which the next pass releases and sends, and at most one 'sending' digest, which may or
/// may not have left. That one is settled 'in-doubt' and treated as sent: the pass errs towards missing one digest
/// rather than sending one twice, because the events stay visible in the app and the next new event brings a new
/// digest, while a duplicate teaches people to ignore or filter our mail. The metric cybernet.digests.in_doubt
/// counts these. A send the server certainly refused (or that never reached the message body) is released
/// instead, and the next pass sends it.
/// </para>
/// </summary>
public sealed partial class DigestPass(
    NpgsqlDataSource db,
    MailSender mail,
    DigestEmails emails,
    IPresenceLookup presence,
    TimeProvider clock,
    IOptions<DigestOptions> options,
    DigestMetrics metrics,
    ILogger<DigestPass> logger)
{
    // "DIGESTS" in ASCII: one pass at a time across all web nodes. A session lock, so a pass that dies
    // (process killed, connection gone) releases it with its connection.
    private const long PassLockKey = 0x44494745535453;

    private const int ClaimBatch = 200;

    public async Task<DigestPassResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var lockConnection = await db.OpenConnectionAsync(cancellationToken);
        if (!await TryLockAsync(lockConnection, cancellationToken))
        {
            return new DigestPassResult(false, 0, 0, 0, 0);
        }

        try
        {
            return await RunLockedAsync(cancellationToken);
        }
        finally
        {
            // Explicitly: a pooled connection keeps its session (and a session lock) when it goes back to the pool.
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            unlock.Parameters.AddWithValue("key", PassLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<DigestPassResult> RunLockedAsync(CancellationToken cancellationToken)
    {
        // Holding the lock, any digest still in flight belongs to a pass that died.
        var started = clock.GetTimestamp();
        var inDoubt = await RecoverAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var due = (await FindWaitingAsync(now, cancellationToken))
            .Where(w => DigestSchedule.IsDue(w.Settings, w.OldestWaiting, w.LastDigest, now, options.Value.ShortDelay))
            .Take(options.Value.MaxPerPass)
            .Select(w => w.UserId)
            .ToList();
        if (due.Count == 0)
        {
            return new DigestPassResult(true, 0, 0, 0, inDoubt);
        }

        var found = clock.GetTimestamp();
        var online = await presence.OnlineAsync(due, cancellationToken);
        var recipients = due.Where(u => !online.Contains(u)).ToList();
        var asked = clock.GetTimestamp();
        var sent = 0;
        if (recipients.Count > 0)
        {
            // Connect before claiming anything: with the SMTP server down, the pass fails having marked nothing.
            await using var connection = await mail.OpenAsync(cancellationToken);
            foreach (var batch in recipients.Chunk(ClaimBatch))
            {
                sent += await SendBatchAsync(connection, await ClaimAsync(batch, now, cancellationToken), sent, cancellationToken);
            }
        }

        LogPass(logger, due.Count, due.Count - recipients.Count, sent, inDoubt);
        return new DigestPassResult(true, due.Count, due.Count - recipients.Count, sent, inDoubt)
        {
            Phases = (clock.GetElapsedTime(started, found), clock.GetElapsedTime(found, asked), clock.GetElapsedTime(asked)),
        };
    }

    /// <summary>Sends claimed digests one by one; each round trip to the database settles the last and marks the next.</summary>
    private async Task<int> SendBatchAsync(MailConnection connection, List<DigestContent> digests, int sentBefore, CancellationToken cancellationToken)
    {
        Guid? settle = null;
        for (var i = 0; i < digests.Count; i++)
        {
            var digest = digests[i];
            await StepAsync(settle, digest.DigestId, cancellationToken);
            settle = null;
            try
            {
                await connection.SendAsync(emails.Compose(digest), cancellationToken);
            }
            catch (MailSendException error)
            {
                var maybeDelivered = error.MayHaveBeenDelivered;
                await StepAsync(null, null, CancellationToken.None, inDoubt: maybeDelivered ? digest.DigestId : null,
                    release: [.. digests.Skip(maybeDelivered ? i + 1 : i).Select(d => d.DigestId)]);
                if (maybeDelivered)
                {
                    metrics.InDoubt.Add(1);
                }

                throw;
            }

            metrics.Sent.Add(1);
            settle = digest.DigestId;
            if (sentBefore + i + 1 == options.Value.CrashAfterSends)
            {
                Environment.FailFast("Digest fault drill: the process ends between an SMTP send and its commit.");
            }
        }

        if (settle is not null)
        {
            await StepAsync(settle, null, cancellationToken);
        }

        return digests.Count;
    }

    /// <summary>
    /// One round trip: settles <paramref name="sent"/> as 'sent' (its counts told) and marks <paramref name="next"/>
    /// 'sending'; on failure, settles <paramref name="inDoubt"/> and releases <paramref name="release"/>.
    /// </summary>
    private async Task StepAsync(Guid? sent, Guid? next, CancellationToken cancellationToken, Guid? inDoubt = null, Guid[]? release = null)
    {
        await using var batch = db.CreateBatch();
        var now = clock.GetUtcNow();
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

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", PassLockKey);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private sealed record Waiting(Guid UserId, DigestSettings Settings, DateTimeOffset OldestWaiting, DateTimeOffset? LastDigest);

    /// <summary>Confirmed users with something not yet told about, their settings and when they last had a digest.</summary>
    private async Task<List<Waiting>> FindWaitingAsync(DateTimeOffset now, CancellationToken cancellationToken)
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
        var waiting = new List<Waiting>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            waiting.Add(new Waiting(
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
    private async Task<List<DigestContent>> ClaimAsync(Guid[] userIds, DateTimeOffset now, CancellationToken cancellationToken)
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
    /// Cleans up after a pass that died: its 'claimed' digests never started and are released (sent by this pass);
    /// a 'sending' one may have left, and is settled in doubt. Returns how many were in doubt.
    /// </summary>
    private async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var inDoubt = new List<Guid>();
        await using (var command = db.CreateCommand("""
            DELETE FROM notify.digests WHERE status = 'claimed';
            SELECT id FROM notify.digests WHERE status = 'sending';
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                inDoubt.Add(reader.GetGuid(0));
            }
        }

        foreach (var id in inDoubt)
        {
            await StepAsync(null, null, cancellationToken, inDoubt: id);
            metrics.InDoubt.Add(1);
            LogInDoubt(logger, id);
        }

        return inDoubt.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Digest pass: {Due} due, {Online} online (skipped), {Sent} sent, {InDoubt} in doubt from an earlier pass")]
    private static partial void LogPass(ILogger logger, int due, int online, int sent, int inDoubt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Digest {DigestId} was being sent by a pass that died before recording the send: settled as in doubt, not sent again")]
    private static partial void LogInDoubt(ILogger logger, Guid digestId);
}

/// <summary>Counters of the digest pipeline (System.Diagnostics.Metrics, meter "Cybernet.Digests").</summary>
public sealed class DigestMetrics : IDisposable
{
    public const string MeterName = "Cybernet.Digests";

    private readonly Meter meter;

    public DigestMetrics(IMeterFactory meters)
    {
        meter = meters.Create(MeterName);
        Sent = meter.CreateCounter<long>("cybernet.digests.sent", description: "Digest emails the SMTP server accepted.");
        InDoubt = meter.CreateCounter<long>("cybernet.digests.in_doubt",
            description: "Digests whose pass died between the SMTP send and its commit: perhaps sent, never sent again.");
    }

    public Counter<long> Sent { get; }

    public Counter<long> InDoubt { get; }

    public void Dispose() => meter.Dispose();
}

/// <summary>Who among some users is online now (they see what waits in the app; no email needed).</summary>
public interface IPresenceLookup
{
    Task<IReadOnlySet<Guid>> OnlineAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken);
}

/// <summary>Asks each user's grain; a few at a time so a pass over thousands does not flood the silo.</summary>
public sealed class GrainPresenceLookup(IGrainFactory grains) : IPresenceLookup
{
    public async Task<IReadOnlySet<Guid>> OnlineAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        var online = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>();
        await Parallel.ForEachAsync(userIds, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (userId, _) =>
        {
            if ((await grains.GetGrain<IUserGrain>(userId).GetPresence()).State == PresenceState.Online)
            {
                online[userId] = true;
            }
        });
        return online.Keys.ToHashSet();
    }
}
