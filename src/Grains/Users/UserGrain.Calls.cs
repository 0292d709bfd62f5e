using Cybernet.Grains.Calls;

namespace Cybernet.Grains.Users;

/// <summary>
/// Calls, from the user's side: which call this user is in (in memory only: its call's grain owns the call and tells
/// this grain of each change; after a reactivation it learns again from that grain), ringing every session, the missed
/// calls kept for the digest, and the call's changes shown on every device. Every decision is
/// <see cref="CallAdmission"/>'s; this grain gathers the facts and does what it says. It never waits on a call grain
/// (one-way), so the two never deadlock.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>How many recent missed calls are remembered by id, so an ending reported twice counts once.</summary>
    private const int MissedCallsRemembered = 32;

    /// <summary>The call this user is in (placing, ringing, or under way), as its call's grain last told; null when none.</summary>
    private CallUpdate? currentCall;

    /// <summary>Calls are timed by the calls' clock (the one tests move), here as in the call grains.</summary>
    private DateTimeOffset CallNow => callClock.Now;

    public Task<CallUpdate?> GetCall() => Task.FromResult(LiveCall());

    public Task<CallerCheck> BeginCall(CallUpdate call)
    {
        var check = CallAdmission.ForCaller(call, Facts(call.Callee));
        if (check.Answer == CallerAnswer.Go)
        {
            SetCall(call);
        }

        return Task.FromResult(check);
    }

    public Task<CallerCheck> RejoinCall(CallUpdate call)
    {
        var check = CallAdmission.ForResume(call, Facts(call.Other(Me)));
        if (check.Answer == CallerAnswer.Go)
        {
            currentCall = call;
        }

        return Task.FromResult(check);
    }

    public Task<RingResult> Ring(CallUpdate call)
    {
        var ring = CallAdmission.ForCallee(call, Facts(call.Caller));
        switch (ring.Answer)
        {
            case RingAnswer.Answered:
                // Glare that this call wins: ours gives way, and the device that placed it answers this one.
                GrainFactory.Call(ring.Other!.Value).GiveWay(call.CallId).Ignore();
                SetCall(call);
                break;
            case RingAnswer.Ringing:
                SetCall(call);
                break;
        }

        return Task.FromResult(ring);
    }

    public async Task OnCallChanged(CallUpdate call)
    {
        var facts = Facts(call.Other(Me));
        var isCurrent = currentCall?.CallId == call.CallId;
        if (call.IsLive)
        {
            if (isCurrent || LiveCall() is null)
            {
                SetCall(call);
            }

            return;
        }

        // Ended: every device hears it (the ring stops everywhere), and a call the callee missed is kept for them.
        if (isCurrent)
        {
            currentCall = null;
        }

        if (CallAdmission.CountsAsMissed(call, facts))
        {
            await CountMissedCallAsync(call);
        }

        // A device of mine bound in the call hears its end even when this grain did not count the call as current: after
        // a silo's death, the device that claimed the forgotten call second never told this (new) activation of it.
        var mine = call.Caller == Me ? call.CallerSession : call.CalleeSession;
        var boundHere = !string.IsNullOrEmpty(mine) && sessions.Contains(mine);
        if (CallAdmission.ShownToDevices(call, facts, isCurrent || boundHere))
        {
            TellSessions(call);
        }
    }

    public Task OnCallForgotten(Guid callId, long asOf)
    {
        // Only a word older than it: a device's claim may have made the call again since (its version is newer).
        if (currentCall is { } call && call.CallId == callId && call.Version < asOf)
        {
            // Its grain knows nothing of it any more (its silo died, and no device came back to it): no longer in a call.
            // My device in the call heard it in the refusal of its act; my other devices are told it ended.
            currentCall = null;
            var mine = call.Caller == Me ? call.CallerSession : call.CalleeSession;
            var ended = call with { Phase = CallPhase.Ended, Outcome = CallOutcome.Failed, Failure = CallFailure.ConnectionLost, EndedAt = CallNow, ServerNow = CallNow, Version = asOf };
            foreach (var (observer, ids) in sessions.ByNode())
            {
                var others = mine is null ? ids : ids.Remove(mine);
                if (others.Length > 0)
                {
                    observer.CallChanged(others, ended).Ignore();
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task DeliverCallSignal(string toSession, CallSignal signal)
    {
        foreach (var (observer, ids) in sessions.ByNode(toSession))
        {
            observer.CallSignalReceived(ids, signal).Ignore();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// One more missed call from the caller, once per call id however often the ending is reported (a call grain whose
    /// report failed reports again). Saved with the unseen events before this returns: a failure throws, and the call's
    /// grain, whose reminder outlives a silo, reports again. So a missed call needs no reminder of this grain's own.
    /// </summary>
    private async Task CountMissedCallAsync(CallUpdate call)
    {
        var missed = state.State.MissedCalls;
        if (!missed.Contains(call.CallId))
        {
            var key = PendingOfferBook.Key(call.Caller, OfferKinds.Call);
            var count = state.State.PendingOffers.TryGetValue(key, out var offer) ? offer.Count : 0;
            PendingOfferBook.Set(state.State, call.Caller, OfferKinds.Call, Math.Min(count + 1, OfferKinds.MaxCount), 0, Now);
            missed.Add(call.CallId);
            if (missed.Count > MissedCallsRemembered)
            {
                missed.RemoveRange(0, missed.Count - MissedCallsRemembered);
            }

            await SaveOrForgetAsync(holdBackstop: false);
            TellContactsChanged();
        }

        await CatchUpUnseenEventsAsync();
        if (state.State.UnseenEventsBehind)
        {
            throw new InvalidOperationException("The missed call is saved but not yet among the unseen events; report it again.");
        }
    }

    private CallParty Facts(Guid other) =>
        new(Me, IsAccepted(other), state.State.Blocked.Contains(other), LiveCall(), sessions.Count);

    /// <summary>The call this user is in, with the server's time now.</summary>
    private CallUpdate? LiveCall() => currentCall is { IsLive: true } call ? call with { ServerNow = CallNow } : null;

    private void SetCall(CallUpdate call)
    {
        currentCall = call;
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
            GrainFactory.Call(call.CallId).SessionGone(Me, connectionId).Ignore();
        }
    }
}
