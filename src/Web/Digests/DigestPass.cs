using Cybernet.Web.Email;

using Microsoft.Extensions.Options;

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
/// instead, and the next pass sends it. The SQL is in <see cref="DigestQueries"/>.
/// </para>
/// </summary>
public sealed partial class DigestPass(
    DigestQueries queries,
    MailSender mail,
    DigestEmails emails,
    IPresenceLookup presence,
    TimeProvider clock,
    IOptions<DigestOptions> options,
    DigestMetrics metrics,
    ILogger<DigestPass> logger)
{
    private const int ClaimBatch = 200;

    public async Task<DigestPassResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var passLock = await queries.TryLockPassAsync(cancellationToken);
        return passLock is null ? new DigestPassResult(false, 0, 0, 0, 0) : await RunLockedAsync(cancellationToken);
    }

    private async Task<DigestPassResult> RunLockedAsync(CancellationToken cancellationToken)
    {
        // Holding the lock, any digest still in flight belongs to a pass that died.
        var started = clock.GetTimestamp();
        var inDoubt = await RecoverAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var due = (await queries.FindWaitingAsync(now, cancellationToken))
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
                sent += await SendBatchAsync(connection, await queries.ClaimAsync(batch, now, cancellationToken), sent, cancellationToken);
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
            await queries.StepAsync(clock.GetUtcNow(), settle, digest.DigestId, cancellationToken);
            settle = null;
            try
            {
                await connection.SendAsync(emails.Compose(digest), cancellationToken);
            }
            catch (MailSendException error)
            {
                var maybeDelivered = error.MayHaveBeenDelivered;
                await queries.StepAsync(clock.GetUtcNow(), null, null, CancellationToken.None, inDoubt: maybeDelivered ? digest.DigestId : null,
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
            await queries.StepAsync(clock.GetUtcNow(), settle, null, cancellationToken);
        }

        return digests.Count;
    }

    /// <summary>
    /// Cleans up after a pass that died: its 'claimed' digests never started and are released (sent by this pass);
    /// a 'sending' one may have left, and is settled in doubt. Returns how many were in doubt.
    /// </summary>
    private async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var inDoubt = await queries.ReleaseClaimedAndFindSendingAsync(cancellationToken);
        foreach (var id in inDoubt)
        {
            await queries.StepAsync(clock.GetUtcNow(), null, null, cancellationToken, inDoubt: id);
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
