namespace Cybernet.Grains.Calls;

/// <summary>
/// What a user's grain knows when a call begins, rings or ends there, about the other party of that call: the facts the
/// users' side of every call decision is made from.
/// </summary>
/// <param name="Me">The user whose grain asks.</param>
/// <param name="Accepted">The other party is an accepted contact.</param>
/// <param name="Blocked">This user blocked the other party.</param>
/// <param name="Current">The call this user is in now, if any (as its call's grain last told, in memory).</param>
/// <param name="Sessions">How many sessions of this user are online.</param>
public readonly record struct CallParty(Guid Me, bool Accepted, bool Blocked, CallUpdate? Current, int Sessions);

/// <summary>
/// The users' side of every call decision, as pure functions beside <see cref="CallMachine"/> (which holds the call's
/// own): who may call whom, busy, glare and who gives way, answering theirs, blocked, and which endings count as a
/// missed call. The user's grain gathers the facts (<see cref="CallParty"/>) and does what these say.
/// </summary>
public static class CallAdmission
{
    /// <summary>The caller's grain, when its user places <paramref name="call"/>.</summary>
    public static CallerCheck ForCaller(CallUpdate call, CallParty me)
    {
        if (me.Blocked)
        {
            return new CallerCheck(CallerAnswer.Blocked);
        }

        if (!me.Accepted)
        {
            return new CallerCheck(CallerAnswer.NotAContact);
        }

        if (me.Current is { IsLive: true } current && current.CallId != call.CallId)
        {
            // They are ringing me right now: I want to talk to them too, so I answer theirs.
            return current.Caller == call.Callee && current.Phase == CallPhase.Ringing
                ? new CallerCheck(CallerAnswer.AnswerTheirs, current.CallId)
                : new CallerCheck(CallerAnswer.InAnotherCall);
        }

        return new CallerCheck(CallerAnswer.Go);
    }

    /// <summary>
    /// The callee's grain, when <paramref name="call"/> is to ring there. <see cref="RingAnswer.Answered"/> means glare
    /// that this call wins: the callee's own ringing call gives way (the grain tells it) and its device answers this one.
    /// </summary>
    public static RingResult ForCallee(CallUpdate call, CallParty me)
    {
        if (me.Blocked)
        {
            // Silent, as with messages: to the caller it rings unanswered, and nothing rings here.
            return new RingResult(RingAnswer.Withheld);
        }

        if (!me.Accepted)
        {
            return new RingResult(RingAnswer.NotAContact);
        }

        if (me.Current is { IsLive: true } current && current.CallId != call.CallId)
        {
            if (current.Other(me.Me) != call.Caller)
            {
                return new RingResult(RingAnswer.Busy);
            }

            if (current.Caller != me.Me || current.Phase != CallPhase.Ringing)
            {
                // We two have a call going already (one of our calls at the same moment was answered first): join it.
                return new RingResult(RingAnswer.GiveWay, current.CallId);
            }

            // Glare: each of us is ringing the other. Both grains see it and agree without talking: the call with the
            // lower id holds, the other gives way, and the device that placed the losing call answers the one that holds.
            return current.CallId.CompareTo(call.CallId) < 0
                ? new RingResult(RingAnswer.GiveWay, current.CallId)
                : new RingResult(RingAnswer.Answered, current.CallId, current.CallerSession);
        }

        return me.Sessions == 0 ? new RingResult(RingAnswer.NotAvailable) : new RingResult(RingAnswer.Ringing);
    }

    /// <summary>
    /// The grain of a user whose device claims to be in <paramref name="call"/> (made again after its grain forgot it):
    /// only with an accepted contact not blocked, and only while this user is in no other call.
    /// </summary>
    public static CallerCheck ForResume(CallUpdate call, CallParty me)
    {
        if (me.Blocked)
        {
            return new CallerCheck(CallerAnswer.Blocked);
        }

        if (!me.Accepted)
        {
            return new CallerCheck(CallerAnswer.NotAContact);
        }

        return me.Current is { IsLive: true } current && current.CallId != call.CallId
            ? new CallerCheck(CallerAnswer.InAnotherCall)
            : new CallerCheck(CallerAnswer.Go);
    }

    /// <summary>A call this user's grain hears ended counts as one missed call for the digest and the badge.</summary>
    public static bool CountsAsMissed(CallUpdate call, CallParty me) =>
        call.Callee == me.Me && call.IsMissedCall && me.Accepted && !me.Blocked;

    /// <summary>
    /// Whether this user's devices are told of <paramref name="call"/>'s change: every change of the call they are in,
    /// and an ending they hear of as a missed call; never a call withheld from them.
    /// </summary>
    public static bool ShownToDevices(CallUpdate call, CallParty me, bool isCurrent) =>
        isCurrent || call.Caller == me.Me || CountsAsMissed(call, me);
}
