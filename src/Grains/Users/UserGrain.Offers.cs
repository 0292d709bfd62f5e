using Microsoft.Extensions.Logging;

using Orleans.Runtime;

namespace Cybernet.Grains.Users;

/// <summary>
/// Pending offers: counts of what contacts hold for this user while it is offline, and their copy for email digests.
/// <para>
/// One fact, one writer. A change is saved in the grain's state first, marked as not yet in the unseen events; then the
/// grain writes the unseen events, which sets counts (never adds) and so may be written again at no cost. A write that
/// fails does not fail the caller (the offer is saved): a timer writes again until it succeeds. If the silo dies before the
/// write, a reminder registered before the state was saved (the backstop, stored in PostgreSQL) wakes the grain on another
/// silo, whose activation finds the mark and writes; a tick that finds nothing behind unregisters the reminder, so a burst
/// of changes costs one registration. A state write that fails leaves nothing behind: the activation is dropped and the
/// next one starts from what was saved.
/// </para>
/// </summary>
public sealed partial class UserGrain
{
    private static readonly TimeSpan CatchUpEvery = TimeSpan.FromSeconds(5);

    private const string BackstopReminder = "unseen-events";

    private readonly UnseenEventsOptions unseenSettings = unseenEventsOptions.Value;
    private IGrainTimer? catchUp;
    private IGrainReminder? backstop;

    public async Task<SignalOutcome> SetPendingOffer(Guid from, string kind, int count, long bytes)
    {
        if (state.State.Blocked.Contains(from))
        {
            return SignalOutcome.Withheld;
        }

        if (!IsAccepted(from))
        {
            return SignalOutcome.NotAContact;
        }

        if (PendingOfferBook.Set(state.State, from, kind, Math.Min(count, OfferKinds.MaxCount), Math.Clamp(bytes, 0, OfferKinds.MaxBytes), Now))
        {
            await SaveAndTellSessionsAsync();
        }
        else
        {
            // A report repeated after a failure: the offer is saved, make sure its unseen event is too.
            await CatchUpUnseenEventsAsync();
        }

        return sessions.Count > 0 ? SignalOutcome.Delivered : SignalOutcome.RecipientOffline;
    }

    public async Task ClearPendingOffers(Guid from, string kind)
    {
        if (PendingOfferBook.Set(state.State, from, kind, 0, 0, Now))
        {
            await SaveAndTellSessionsAsync();
        }
        else
        {
            await CatchUpUnseenEventsAsync();
        }
    }

    public async Task OnOffersWithdrawn(Guid by)
    {
        if (PendingOfferBook.Forget(state.State, by))
        {
            await SaveAndTellSessionsAsync();
        }
    }

    /// <summary>Writes the unseen events when the saved offers are ahead of them; on failure, leaves it to a timer.</summary>
    private async Task CatchUpUnseenEventsAsync()
    {
        if (!state.State.UnseenEventsBehind)
        {
            return;
        }

        try
        {
            await unseenEvents.MatchAsync(Me, [.. state.State.PendingOffers.Values.Where(o => IsAccepted(o.From))], CancellationToken.None);

            // Saved with the next write; until then a new activation writes the same events again, which changes nothing.
            state.State.UnseenEventsBehind = false;
            catchUp?.Dispose();
            catchUp = null;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogUnseenEventsBehind(error, Me);
            ScheduleCatchUp(CatchUpEvery);
        }
    }

    /// <summary>Registers the backstop reminder unless this activation already holds it.</summary>
    private async Task HoldBackstopAsync() =>
        backstop ??= await this.RegisterOrUpdateReminder(BackstopReminder, unseenSettings.Backstop, unseenSettings.Backstop);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != BackstopReminder)
        {
            return;
        }

        await CatchUpUnseenEventsAsync();
        if (!state.State.UnseenEventsBehind)
        {
            backstop ??= await this.GetReminder(BackstopReminder);
            if (backstop is not null)
            {
                await this.UnregisterReminder(backstop);
                backstop = null;
            }
        }
    }

    /// <summary>Keeps the grain active and writing until the unseen events have caught up.</summary>
    private void ScheduleCatchUp(TimeSpan dueTime) =>
        catchUp ??= this.RegisterGrainTimer(_ => CatchUpUnseenEventsAsync(), new GrainTimerCreationOptions(dueTime, CatchUpEvery) { KeepAlive = true });

    [LoggerMessage(Level = LogLevel.Warning, Message = "The unseen events of user {UserId} could not be written; trying again")]
    private partial void LogUnseenEventsBehind(Exception exception, Guid userId);
}
