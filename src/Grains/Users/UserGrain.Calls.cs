namespace Cybernet.Grains.Users;

/// <summary>
/// Calls, from the user's side: whether this user is in a call (a second caller gets busy), ringing every session,
/// who called whom at the same moment (glare), missed calls, and the call's changes shown on every device.
/// The call itself is its <see cref="ICallGrain"/>'s; this grain never waits on it (one-way), so the two never deadlock.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>A ringing call this long past its ring timeout is stale here, whatever its grain last said.</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    /// <summary>Calls are timed by the calls' clock (the one tests move), here as in the call grains.</summary>
    private DateTimeOffset CallNow => callClock.Now;

    public Task<CallUpdate?> GetCall() => Task.FromResult(LiveCall());

    public async Task<CallerCheck> BeginCall(CallUpdate call)
    {
        var callee = call.Callee;
        if (state.State.Blocked.Contains(callee))
        {
            return new CallerCheck(CallerAnswer.Blocked);
        }

        if (!IsAccepted(callee))
        {
            return new CallerCheck(CallerAnswer.NotAContact);
        }

        if (LiveCall() is { } current && current.CallId != call.CallId)
        {
            // They are ringing me right now: I want to talk to them too, so I answer theirs.
            return current.Caller == callee && current.Phase == CallPhase.Ringing
                ? new CallerCheck(CallerAnswer.AnswerTheirs, current.CallId)
                : new CallerCheck(CallerAnswer.InAnotherCall);
        }

        await SetCallAsync(call);
        return new CallerCheck(CallerAnswer.Go);
    }

    public async Task<RingResult> Ring(CallUpdate call)
    {
        var caller = call.Caller;
        if (state.State.Blocked.Contains(caller))
        {
            return new RingResult(RingAnswer.Withheld);
        }

        if (!IsAccepted(caller))
        {
            return new RingResult(RingAnswer.NotAContact);
        }

        if (LiveCall() is { } current && current.CallId != call.CallId)
        {
            if (current.Other(Me) != caller)
            {
                return new RingResult(RingAnswer.Busy);
            }

            if (current.Caller != Me || current.Phase != CallPhase.Ringing)
            {
                // We two have a call going already (one of our calls at the same moment was answered first): join it.
                return new RingResult(RingAnswer.GiveWay, current.CallId);
            }

            // Glare: each of us is ringing the other. Both grains see it and agree without talking: the call with the
            // lower id holds, the other gives way, and the device that placed the losing call answers the one that holds.
            if (current.CallId.CompareTo(call.CallId) < 0)
            {
                return new RingResult(RingAnswer.GiveWay, current.CallId);
            }

            GrainFactory.GetGrain<ICallGrain>(current.CallId).GiveWay(call.CallId).Ignore();
            await SetCallAsync(call);
            return new RingResult(RingAnswer.Answered, AnsweredBy: current.CallerSession);
        }

        if (sessions.Count == 0)
        {
            return new RingResult(RingAnswer.NotAvailable);
        }

        await SetCallAsync(call);
        return new RingResult(RingAnswer.Ringing);
    }

    public async Task OnCallChanged(CallUpdate call)
    {
        var current = state.State.Call;
        if (call.IsLive)
        {
            if (current is null || current.CallId == call.CallId || LiveCall() is null)
            {
                await SetCallAsync(call);
            }

            return;
        }

        // Ended: every device hears it (the ring stops everywhere), and a call the callee missed is kept for them.
        if (current?.CallId == call.CallId)
        {
            state.State.Call = null;
        }

        if (call.Callee == Me && call.IsMissedCall && IsAccepted(call.Caller))
        {
            var key = PendingOfferBook.Key(call.Caller, OfferKinds.Call);
            var count = state.State.PendingOffers.TryGetValue(key, out var offer) ? offer.Count : 0;
            PendingOfferBook.Set(state.State, call.Caller, OfferKinds.Call, Math.Min(count + 1, OfferKinds.MaxCount), 0, Now);
            await SaveAndTellSessionsAsync();
        }
        else
        {
            // Nothing pending changed: no contact list for every session to fetch again.
            await state.WriteStateAsync();
        }

        TellSessions(call);
    }

    public Task DeliverCallSignal(string toSession, CallSignal signal)
    {
        foreach (var (observer, ids) in sessions.ByNode(toSession))
        {
            observer.CallSignalReceived(ids, signal).Ignore();
        }

        return Task.CompletedTask;
    }

    /// <summary>The call this user is in, unless its grain's word is stale (a ring long past its timeout).</summary>
    private CallUpdate? LiveCall() =>
        state.State.Call is { } call && call.IsLive && !(call.Phase == CallPhase.Ringing && CallNow > call.RingUntil + StaleAfter)
            ? call with { ServerNow = CallNow }
            : null;

    private async Task SetCallAsync(CallUpdate call)
    {
        state.State.Call = call;
        await state.WriteStateAsync();
        TellSessions(call);
    }

    private void TellSessions(CallUpdate call)
    {
        foreach (var (observer, ids) in sessions.ByNode())
        {
            observer.CallChanged(ids, call with { ServerNow = CallNow }).Ignore();
        }
    }

    /// <summary>A session that comes online while a call rings (or is under way) is shown it, with the ring's time left.</summary>
    private void ShowCallTo(string connectionId)
    {
        // A ring whose time is up is not shown, even in the seconds before its grain says it was missed.
        if (LiveCall() is { } call && (call.Phase != CallPhase.Ringing || CallNow < call.RingUntil))
        {
            foreach (var (observer, ids) in sessions.ByNode(connectionId))
            {
                observer.CallChanged(ids, call).Ignore();
            }
        }
    }

    /// <summary>A session in the call is gone: its call grain decides (the call may wait for the tab to come back).</summary>
    private void CallSessionGone(string connectionId)
    {
        if (LiveCall() is { } call && (call.CallerSession == connectionId || call.CalleeSession == connectionId))
        {
            GrainFactory.GetGrain<ICallGrain>(call.CallId).SessionGone(Me, connectionId).Ignore();
        }
    }
}
