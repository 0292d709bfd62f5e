using System.Diagnostics.Metrics;

using Cybernet.Web.Email;

using Microsoft.Extensions.Options;

using Npgsql;

namespace Cybernet.Web.Digests;

/// <summary>What one pass did.</summary>
public sealed record DigestPassResult(bool Ran, int Due, int SkippedOnline, int Sent, int SettledInDoubt);

/// <summary>
/// One digest pass: finds users with unseen events older than their chosen delay who are not online, and
/// emails each one digest.
/// <para>
/// Never two emails for one event. Each digest is claimed in the database ('sending', with the counts it will
/// tell about) before the SMTP send and settled ('sent', counts marked told) after it. A pass that dies between
/// the two leaves a claim nobody can settle with certainty: the email may or may not have left. Such a claim is
/// settled as 'in-doubt' and treated as sent: the pass errs towards missing one digest rather than sending one
/// twice, because the events stay visible in the app and the next new event brings a new digest, while a
/// duplicate teaches people to ignore or filter our mail. The metric cybernet.digests.in_doubt counts these.
/// A send the server certainly refused (or that never reached the message body) releases its claim instead,
/// and the next pass sends it.
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
        // Holding the lock, any claim still 'sending' belongs to a pass that died.
        var inDoubt = await SettleOrphanedClaimsAsync(cancellationToken);
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

        var online = await presence.OnlineAsync(due, cancellationToken);
        var recipients = due.Where(u => !online.Contains(u)).ToList();
        var sent = 0;
        if (recipients.Count > 0)
        {
            // Connect before claiming anything: with the SMTP server down, the pass fails having marked nothing.
            await using var connection = await mail.OpenAsync(cancellationToken);
            foreach (var userId in recipients)
            {
                if (await ClaimAsync(userId, now, cancellationToken) is not { } digest)
                {
                    continue;
                }

                await SendAsync(connection, digest, cancellationToken);
                sent++;
                if (sent == options.Value.CrashAfterSends)
                {
                    Environment.FailFast("Digest fault drill: the process ends between an SMTP send and its commit.");
                }

                await SettleAsync(digest.DigestId, "sent", cancellationToken);
                metrics.Sent.Add(1);
            }
        }

        LogPass(logger, due.Count, due.Count - recipients.Count, sent, inDoubt);
        return new DigestPassResult(true, due.Count, due.Count - recipients.Count, sent, inDoubt);
    }

    private async Task SendAsync(MailConnection connection, DigestContent digest, CancellationToken cancellationToken)
    {
        try
        {
            await connection.SendAsync(emails.Compose(digest), cancellationToken);
        }
        catch (Exception error) when (MailSender.IsSendFailure(error))
        {
            if (error is MailSendException { MayHaveBeenDelivered: true })
            {
                await SettleAsync(digest.DigestId, "in-doubt", CancellationToken.None);
                metrics.InDoubt.Add(1);
            }
            else
            {
                await ReleaseAsync(digest.DigestId);
            }

            throw;
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", PassLockKey);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private sealed record Waiting(Guid UserId, DigestSettings Settings, DateTimeOffset OldestWaiting, DateTimeOffset? LastDigest);

    /// <summary>Users with something not yet told about, their settings and when they last had a digest.</summary>
    private async Task<List<Waiting>> FindWaitingAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT w.user_id, w.oldest, s.frequency, s.daily_at, s.quiet_from, s.quiet_until, s.time_zone, s.unsubscribed_at, s.last_digest_at
            FROM (SELECT user_id, min(waiting_since) AS oldest FROM notify.unseen_events
                  WHERE seen_at IS NULL AND waiting_since IS NOT NULL AND waiting_since <= @now
                  GROUP BY user_id) w
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

    /// <summary>Claims a digest for the user: records what it will tell about. Null when nothing is left or another claim is open.</summary>
    private async Task<DigestContent?> ClaimAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var digestId = Guid.CreateVersion7(now);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var claim = new NpgsqlCommand("""
            INSERT INTO notify.digests (id, user_id, status, claimed_at, items) VALUES (@id, @user, 'sending', @now, 0)
            ON CONFLICT (user_id) WHERE status = 'sending' DO NOTHING
            """, connection, transaction))
        {
            claim.Parameters.AddWithValue("id", digestId);
            claim.Parameters.AddWithValue("user", userId);
            claim.Parameters.AddWithValue("now", now);
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null;
            }
        }

        var lines = new List<DigestLine>();
        string? displayName = null, email = null;
        await using (var items = new NpgsqlCommand("""
            WITH claimed AS (
                INSERT INTO notify.digest_items (digest_id, event_id, count_through)
                SELECT @id, e.id, e.count FROM notify.unseen_events e
                WHERE e.user_id = @user AND e.seen_at IS NULL AND e.count > e.notified_count
                RETURNING event_id, count_through)
            SELECT c."DisplayName", e.kind, claimed.count_through - e.notified_count, u."DisplayName", u."Email"
            FROM claimed
            JOIN notify.unseen_events e ON e.id = claimed.event_id
            JOIN accounts."AspNetUsers" c ON c."Id" = e.contact_id
            JOIN accounts."AspNetUsers" u ON u."Id" = e.user_id
            WHERE u."EmailConfirmed"
            ORDER BY c."DisplayName", e.kind
            """, connection, transaction))
        {
            items.Parameters.AddWithValue("id", digestId);
            items.Parameters.AddWithValue("user", userId);
            await using var reader = await items.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                lines.Add(new DigestLine(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
                displayName = reader.GetString(3);
                email = reader.GetString(4);
            }
        }

        if (lines.Count == 0 || email is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        await using (var count = new NpgsqlCommand("UPDATE notify.digests SET items = @items WHERE id = @id", connection, transaction))
        {
            count.Parameters.AddWithValue("items", lines.Count);
            count.Parameters.AddWithValue("id", digestId);
            await count.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new DigestContent(digestId, userId, displayName!, email, lines);
    }

    /// <summary>
    /// Ends a claim as 'sent' or 'in-doubt': either way, what it told about counts as told, in one transaction
    /// with the status. Only a claim still 'sending' is settled, so settling twice changes nothing.
    /// </summary>
    private async Task SettleAsync(Guid digestId, string status, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            WITH settled AS (
                UPDATE notify.digests SET status = @status, settled_at = @now
                WHERE id = @id AND status = 'sending'
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
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The server certainly did not take the digest: forget the claim, so the next pass sends it.</summary>
    private async Task ReleaseAsync(Guid digestId)
    {
        await using var command = db.CreateCommand("DELETE FROM notify.digests WHERE id = @id AND status = 'sending'");
        command.Parameters.AddWithValue("id", digestId);
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task<int> SettleOrphanedClaimsAsync(CancellationToken cancellationToken)
    {
        var orphans = new List<Guid>();
        await using (var command = db.CreateCommand("SELECT id FROM notify.digests WHERE status = 'sending'"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                orphans.Add(reader.GetGuid(0));
            }
        }

        foreach (var id in orphans)
        {
            await SettleAsync(id, "in-doubt", cancellationToken);
            metrics.InDoubt.Add(1);
            LogInDoubt(logger, id);
        }

        return orphans.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Digest pass: {Due} due, {Online} online (skipped), {Sent} sent, {InDoubt} in doubt from an earlier pass")]
    private static partial void LogPass(ILogger logger, int due, int online, int sent, int inDoubt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Digest {DigestId} was claimed by a pass that died before recording the send: settled as in doubt, not sent again")]
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
