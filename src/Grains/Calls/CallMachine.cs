namespace Cybernet.Grains.Calls;

/// <summary>
/// One call's state machine over its <see cref="CallRecord"/>: ringing → connecting → connected ⇄ reconnecting → ended.
/// Each act checks who acts (the caller or the callee, from which session) and whether it makes sense now; a refused
/// act throws <see cref="CallRefusedException"/> before changing anything. No I/O: the grain saves and tells.
/// </summary>
public sealed class CallMachine(CallRecord record, CallOptions timings)
{
    public CallRecord Record { get; } = record;

    public bool IsEnded => Record.Phase == CallPhase.Ended;

    /// <summary>Ended in a way the callee should hear of as a missed call.</summary>
    public bool IsMissedByCallee => Record.CalleeReached && View(Record.EndedAt ?? Record.StartedAt).IsMissedCall;

    /// <summary>Whether a timer should look at the clock: a deadline is pending.</summary>
    public bool HasDeadline => Record.Placed && !Record.Reported && Record.Phase is CallPhase.Ringing or CallPhase.Connecting or CallPhase.Reconnecting;

    public void Start(Guid callId, Guid caller, string session, Guid callee, bool video, DateTimeOffset now)
    {
        if (Record.Placed)
        {
            throw new CallRefusedException("This call was placed already.");
        }

        if (caller == callee)
        {
            throw new CallRefusedException("You cannot call yourself.");
        }

        Record.CallId = callId;
        Record.Caller = caller;
        Record.CallerSession = session;
        Record.Callee = callee;
        Record.Video = video;
        Record.Phase = CallPhase.Ringing;
        Record.StartedAt = now;
        Record.RingUntil = now + timings.RingTimeout;
    }

    public void Accept(Guid user, string session, DateTimeOffset now)
    {
        RequireLive();
        if (user != Record.Callee)
        {
            throw new CallRefusedException(user == Record.Caller ? "You placed this call; the other side answers it." : NotYours);
        }

        if (Record.Phase != CallPhase.Ringing)
        {
            throw new CallRefusedException(Record.CalleeSession == session ? "You answered this call already." : "This call was answered on another device.");
        }

        Record.CalleeSession = session;
        Record.Phase = CallPhase.Connecting;
        Record.Deadline = now + timings.ConnectTimeout;
    }

    public void Decline(Guid user, DateTimeOffset now)
    {
        RequireLive();
        if (user != Record.Callee)
        {
            throw new CallRefusedException(user == Record.Caller ? "You placed this call: hang up to cancel it." : NotYours);
        }

        if (Record.Phase != CallPhase.Ringing)
        {
            throw new CallRefusedException("This call was answered already: hang up instead.");
        }

        End(CallOutcome.Declined, CallFailure.None, user, now);
    }

    public void HangUp(Guid user, string session, DateTimeOffset now)
    {
        RequireLive();
        RequireParty(user);
        if (Record.Phase == CallPhase.Ringing)
        {
            if (user == Record.Callee)
            {
                Decline(user, now);
                return;
            }

            End(CallOutcome.Cancelled, CallFailure.None, user, now);
            return;
        }

        // Any device of a party may end it: the one in the call, or another that shows it ("answered on another device").
        End(Record.ConnectedAt is null ? CallOutcome.Cancelled : CallOutcome.Completed, CallFailure.None, user, now);
    }

    /// <summary>The reporting side's link is up; returns false when that was known already (a device repeats it as a heartbeat).</summary>
    public bool ReportConnected(Guid user, string session, DateTimeOffset now)
    {
        RequireLive();
        RequireParty(user);
        RequireUnderWay("connected");
        RequireBoundSession(user, session);
        var before = (Record.Phase, Record.ConnectedAt, LinkDown(user));
        SetLinkDown(user, false);
        Record.ConnectedAt ??= now;
        SettleLinkPhase(now);
        return before != (Record.Phase, Record.ConnectedAt, LinkDown(user));
    }

    /// <summary>The reporting side's link is down; returns false when that was known already.</summary>
    public bool ReportReconnecting(Guid user, string session, DateTimeOffset now)
    {
        RequireLive();
        RequireParty(user);
        RequireUnderWay("reconnecting");
        RequireBoundSession(user, session);
        var before = (Record.Phase, LinkDown(user));
        SetLinkDown(user, true);
        SettleLinkPhase(now);
        return before != (Record.Phase, LinkDown(user));
    }

    /// <summary>
    /// A device whose media link to the other side is still up says which call it is in, after the call's grain forgot
    /// it (its silo died: an answered call lives in memory only). The first claim of a forgotten call makes it again from
    /// the claim, reconnecting, the other side's device not yet known; the other side's claim completes it (connected
    /// once both are). A claim must match the call as known; while the call still rings, only the callee's claim counts
    /// (its device answered before the grain's answer was lost). The grain checks the two are contacts before a claim
    /// makes a call again.
    /// </summary>
    public void Resume(Guid user, string session, CallClaim claim, DateTimeOffset now)
    {
        if (claim.Caller == claim.Callee)
        {
            throw new CallRefusedException("You cannot call yourself.");
        }

        if (user != claim.Caller && user != claim.Callee)
        {
            throw new CallRefusedException(NotYours);
        }

        if (!Record.Placed)
        {
            Record.CallId = claim.CallId;
            Record.Caller = claim.Caller;
            Record.Callee = claim.Callee;
            Record.Video = claim.Video;
            Record.CallerSession = "";
            Record.CalleeSession = "";
            Record.CalleeReached = true;
            Record.StartedAt = claim.ConnectedAt is { } at && at < now ? at : now;
            Record.RingUntil = Record.StartedAt;
            Record.ConnectedAt = Record.StartedAt;
            Record.CallerLinkDown = true;
            Record.CalleeLinkDown = true;
            Record.Phase = CallPhase.Reconnecting;
            Record.Deadline = now + timings.ReconnectWindow;
        }

        RequireLive();
        if (Record.Caller != claim.Caller || Record.Callee != claim.Callee)
        {
            throw new CallRefusedException(NotYours);
        }

        if (Record.Phase == CallPhase.Ringing)
        {
            if (user != Record.Callee)
            {
                throw new CallRefusedException("A call that still rings cannot be resumed by its caller.");
            }

            Accept(user, session, now);
        }

        if (user == Record.Caller)
        {
            Record.CallerSession = session;
        }
        else
        {
            Record.CalleeSession = session;
        }

        SetLinkDown(user, false);
        Record.ConnectedAt ??= now;
        SettleLinkPhase(now);
    }

    public void ReportFailed(Guid user, string session, CallFailure failure, DateTimeOffset now)
    {
        RequireLive();
        RequireParty(user);
        if (failure == CallFailure.None || !Enum.IsDefined(failure))
        {
            throw new CallRefusedException("Say why the call failed: never-connected, connection-lost or media-refused.");
        }

        // While it rings the callee has no session in the call yet: any of its devices may say it cannot take it.
        if (!(Record.Phase == CallPhase.Ringing && user == Record.Callee))
        {
            RequireBoundSession(user, session);
        }

        End(CallOutcome.Failed, failure, user, now);
    }

    /// <summary>A new session of a party (a reloaded tab) takes its place; its link is down until it reports connected.</summary>
    public void Rejoin(Guid user, string session, DateTimeOffset now)
    {
        RequireLive();
        RequireParty(user);
        RequireUnderWay("rejoined");
        if (user == Record.Caller)
        {
            Record.CallerSession = session;
        }
        else
        {
            Record.CalleeSession = session;
        }

        SetLinkDown(user, true);
        SettleLinkPhase(now);
    }

    /// <summary>A session is gone; returns true when it was one of the call's and the call changed.</summary>
    public bool SessionGone(Guid user, string session, DateTimeOffset now)
    {
        if (IsEnded || !IsParty(user) || BoundSession(user) != session)
        {
            return false;
        }

        if (Record.Phase == CallPhase.Ringing)
        {
            // The caller's tab closed while it rang: nobody is left to talk to.
            End(CallOutcome.Cancelled, CallFailure.None, user, now);
            return true;
        }

        SetLinkDown(user, true);
        SettleLinkPhase(now);
        return true;
    }

    /// <summary>
    /// Where a signal goes. While the call rings, every ringing device of the callee may connect ahead of an answer (so
    /// that an answer only turns the media on): the callee's devices signal the caller's device, and the caller's device
    /// names the ringing device (<paramref name="toSession"/>). Under way, signals flow only between the two sessions in
    /// the call. Returns the user and session to deliver to (the callee's grain delivers only to a session of its own).
    /// </summary>
    public (Guid User, string Session) SignalTarget(Guid user, string session, string? toSession = null)
    {
        RequireLive();
        RequireParty(user);
        if (Record.Phase == CallPhase.Ringing)
        {
            if (user == Record.Callee)
            {
                if (!Record.CalleeReached)
                {
                    // Nothing rang (the callee blocked the caller): there is no device of theirs to connect.
                    throw new CallRefusedException("This call did not ring for you.");
                }

                return (Record.Caller, Record.CallerSession);
            }

            RequireBoundSession(user, session);
            return string.IsNullOrEmpty(toSession)
                ? throw new CallRefusedException("A call that still rings can be signalled only to one of its ringing devices: name it.")
                : (Record.Callee, toSession);
        }

        RequireBoundSession(user, session);
        var (to, toBound) = user == Record.Caller ? (Record.Callee, Record.CalleeSession!) : (Record.Caller, Record.CallerSession);
        if (string.IsNullOrEmpty(toBound))
        {
            throw new CallRefusedException("The other side's device has not come back to this call yet.");
        }

        if (!string.IsNullOrEmpty(toSession) && toSession != toBound)
        {
            throw new CallRefusedException("This call was answered on another device.");
        }

        return (to, toBound);
    }

    public void RequireParty(Guid user)
    {
        if (!IsParty(user))
        {
            throw new CallRefusedException(NotYours);
        }
    }

    /// <summary>The callee's grain answered the ring.</summary>
    public void Rang(RingResult ring, DateTimeOffset now)
    {
        Record.CalleeReached = ring.Answer is RingAnswer.Ringing or RingAnswer.Busy or RingAnswer.NotAvailable or RingAnswer.Answered;
        switch (ring.Answer)
        {
            case RingAnswer.Busy:
                End(CallOutcome.Busy, CallFailure.None, Record.Callee, now);
                break;
            case RingAnswer.NotAvailable:
                End(CallOutcome.NotAvailable, CallFailure.None, null, now);
                break;
            case RingAnswer.NotAContact:
                // The two grains disagree for a moment (a contact removed just now): as good as nobody there.
                End(CallOutcome.NotAvailable, CallFailure.None, null, now);
                break;
            case RingAnswer.GiveWay:
                GiveWay(ring.Other!.Value, now);
                break;
            case RingAnswer.Answered:
                Accept(Record.Callee, ring.AnsweredBy!, now);
                break;
            case RingAnswer.Ringing:
            case RingAnswer.Withheld:
            default:
                // Withheld: the callee blocked the caller; to the caller it rings unanswered, and nothing rings.
                break;
        }
    }

    /// <summary>The two called each other at once and this call gives way to <paramref name="other"/>.</summary>
    public bool GiveWay(Guid other, DateTimeOffset now)
    {
        if (Record.Phase != CallPhase.Ringing)
        {
            return false;
        }

        Record.MergedInto = other;
        End(CallOutcome.Merged, CallFailure.None, null, now);
        return true;
    }

    /// <summary>Ends the call if a deadline passed; returns true when it did.</summary>
    public bool Expire(DateTimeOffset now)
    {
        if (!Record.Placed)
        {
            return false;
        }

        switch (Record.Phase)
        {
            case CallPhase.Ringing when now >= Record.RingUntil:
                End(CallOutcome.Missed, CallFailure.None, null, now);
                return true;
            case CallPhase.Connecting when now >= Record.Deadline:
                End(CallOutcome.Failed, CallFailure.NeverConnected, null, now);
                return true;
            case CallPhase.Reconnecting when now >= Record.Deadline:
                End(CallOutcome.Failed, CallFailure.ConnectionLost, null, now);
                return true;
            default:
                return false;
        }
    }

    public CallUpdate View(DateTimeOffset now) => new(
        Record.CallId, Record.Caller, Record.Callee, Record.Video, Record.Phase, Record.Outcome, Record.Failure,
        Record.CallerSession, Record.CalleeSession, Record.StartedAt, Record.RingUntil, Record.ConnectedAt, Record.EndedAt, now)
    {
        EndedBy = Record.EndedBy,
        MergedInto = Record.MergedInto,
        Version = Record.Version,
    };

    private const string NotYours = "This is not your call.";

    private bool IsParty(Guid user) => user == Record.Caller || user == Record.Callee;

    private string? BoundSession(Guid user) => user == Record.Caller ? Record.CallerSession : Record.CalleeSession;

    private void RequireLive()
    {
        if (!Record.Placed)
        {
            throw new CallRefusedException("There is no such call (it may have ended).");
        }

        if (IsEnded)
        {
            throw new CallRefusedException("This call has ended.");
        }
    }

    private void RequireUnderWay(string what)
    {
        if (Record.Phase == CallPhase.Ringing)
        {
            throw new CallRefusedException($"A call that still rings cannot be {what}.");
        }
    }

    private void RequireBoundSession(Guid user, string session)
    {
        if (BoundSession(user) == "")
        {
            // Made again from the other side's claim after the grain forgot it: this side's device has not claimed yet.
            throw new CallRefusedException("This call waits for your device to say it is still in it.");
        }

        if (BoundSession(user) != session)
        {
            throw new CallRefusedException("This call is on another of your devices.");
        }
    }

    private bool LinkDown(Guid user) => user == Record.Caller ? Record.CallerLinkDown : Record.CalleeLinkDown;

    private void SetLinkDown(Guid user, bool down)
    {
        if (user == Record.Caller)
        {
            Record.CallerLinkDown = down;
        }
        else
        {
            Record.CalleeLinkDown = down;
        }
    }

    /// <summary>Before the first connection the call is connecting; after it, reconnecting while either side is down.</summary>
    private void SettleLinkPhase(DateTimeOffset now)
    {
        if (Record.ConnectedAt is null)
        {
            Record.Phase = CallPhase.Connecting;
            return;
        }

        if (Record.CallerLinkDown || Record.CalleeLinkDown)
        {
            if (Record.Phase != CallPhase.Reconnecting)
            {
                Record.Phase = CallPhase.Reconnecting;
                Record.Deadline = now + timings.ReconnectWindow;
            }

            return;
        }

        Record.Phase = CallPhase.Connected;
        Record.Deadline = null;
    }

    private void End(CallOutcome outcome, CallFailure failure, Guid? by, DateTimeOffset now)
    {
        Record.Phase = CallPhase.Ended;
        Record.Outcome = outcome;
        Record.Failure = failure;
        Record.EndedBy = by;
        Record.EndedAt = now;
        Record.Deadline = null;
    }
}
