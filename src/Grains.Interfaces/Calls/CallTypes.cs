namespace Cybernet.Grains.Interfaces.Calls;

/// <summary>Where a call is in its life: ringing → connecting → connected ⇄ reconnecting → ended.</summary>
public enum CallPhase
{
    Ringing = 0,
    Connecting = 1,
    Connected = 2,
    Reconnecting = 3,
    Ended = 4,
}

/// <summary>How a call ended (<see cref="None"/> while it lasts).</summary>
public enum CallOutcome
{
    None = 0,

    /// <summary>It was connected, and one of the two hung up.</summary>
    Completed = 1,
    Declined = 2,

    /// <summary>The callee was in another call: no device rang.</summary>
    Busy = 3,

    /// <summary>Nobody answered before the ring timed out.</summary>
    Missed = 4,

    /// <summary>The caller hung up before an answer (or before the two connected).</summary>
    Cancelled = 5,

    /// <summary>The callee had no device online: nothing rang, the callee gets a missed call.</summary>
    NotAvailable = 6,

    /// <summary>See <see cref="CallFailure"/>.</summary>
    Failed = 7,

    /// <summary>Both called each other at once: this call gave way to the other one, which connects.</summary>
    Merged = 8,
}

/// <summary>Why a call failed.</summary>
public enum CallFailure
{
    None = 0,

    /// <summary>Answered, but the two never connected (ICE never succeeded): usually a network that blocks a direct path and no relay.</summary>
    NeverConnected = 1,

    /// <summary>It was connected, then the connection was lost and did not come back within the reconnect window.</summary>
    ConnectionLost = 2,

    /// <summary>A side could not use its microphone or camera (refused, or none).</summary>
    MediaRefused = 3,
}

/// <summary>What a call is now, as both users' sessions are told. Never content: no SDP, no names.</summary>
/// <param name="CallerSession">The caller's session that placed the call: the only one of the caller's that takes part.</param>
/// <param name="CalleeSession">The callee's session that answered, once one did.</param>
/// <param name="RingUntil">When the ring times out, by the server's clock.</param>
/// <param name="ServerNow">The server's clock when this was sent, so a device computes time left without trusting its own clock.</param>
[GenerateSerializer, Immutable, Alias("cybernet.call-update")]
public sealed record CallUpdate(
    [property: Id(0)] Guid CallId,
    [property: Id(1)] Guid Caller,
    [property: Id(2)] Guid Callee,
    [property: Id(3)] bool Video,
    [property: Id(4)] CallPhase Phase,
    [property: Id(5)] CallOutcome Outcome,
    [property: Id(6)] CallFailure Failure,
    [property: Id(7)] string CallerSession,
    [property: Id(8)] string? CalleeSession,
    [property: Id(9)] DateTimeOffset StartedAt,
    [property: Id(10)] DateTimeOffset RingUntil,
    [property: Id(11)] DateTimeOffset? ConnectedAt,
    [property: Id(12)] DateTimeOffset? EndedAt,
    [property: Id(13)] DateTimeOffset ServerNow)
{
    /// <summary>Which side hung up, declined or failed, when one did.</summary>
    [Id(14)]
    public Guid? EndedBy { get; init; }

    /// <summary>For <see cref="CallOutcome.Merged"/>: the call that holds the conversation now.</summary>
    [Id(15)]
    public Guid? MergedInto { get; init; }

    /// <summary>
    /// The call grain's count of changes when this was made: answers and pushes can cross on the way, so a device drops
    /// an update older than one it applied (an ending always counts).
    /// </summary>
    [Id(16)]
    public long Version { get; init; }

    public bool IsLive => Phase != CallPhase.Ended;

    /// <summary>Ended without an answer in a way the callee hears of as a missed call (missed, not available, cancelled, busy).</summary>
    public bool IsMissedCall => Phase == CallPhase.Ended && ConnectedAt is null && CalleeSession is null
        && Outcome is CallOutcome.Missed or CallOutcome.NotAvailable or CallOutcome.Cancelled or CallOutcome.Busy;

    public Guid Other(Guid me) => me == Caller ? Callee : Caller;
}

/// <summary>What a user's grain answered when a call was to ring there.</summary>
public enum RingAnswer
{
    /// <summary>Every online session rings.</summary>
    Ringing = 0,

    /// <summary>In another call.</summary>
    Busy = 1,

    /// <summary>No session online: the callee gets a missed call.</summary>
    NotAvailable = 2,

    /// <summary>The callee blocked the caller: nothing rings, the caller is shown no answer.</summary>
    Withheld = 3,

    NotAContact = 4,

    /// <summary>The callee is calling the caller at the same moment and its call holds: this one gives way.</summary>
    GiveWay = 5,

    /// <summary>The callee was calling the caller and gives way to this call, answering it from <see cref="RingResult.AnsweredBy"/>.</summary>
    Answered = 6,
}

/// <param name="Other">For <see cref="RingAnswer.GiveWay"/>: the call that holds.</param>
/// <param name="AnsweredBy">For <see cref="RingAnswer.Answered"/>: the session that answers.</param>
[GenerateSerializer, Immutable, Alias("cybernet.ring-result")]
public sealed record RingResult(
    [property: Id(0)] RingAnswer Answer,
    [property: Id(1)] Guid? Other = null,
    [property: Id(2)] string? AnsweredBy = null);

/// <summary>What the caller's own grain said to a new call.</summary>
public enum CallerAnswer
{
    Go = 0,

    /// <summary>The caller is in another call already.</summary>
    InAnotherCall = 1,

    NotAContact = 2,

    /// <summary>The callee is ringing the caller right now: answer that call instead (<see cref="CallerCheck.Other"/>).</summary>
    AnswerTheirs = 3,

    /// <summary>The caller blocked the callee.</summary>
    Blocked = 4,
}

[GenerateSerializer, Immutable, Alias("cybernet.caller-check")]
public sealed record CallerCheck([property: Id(0)] CallerAnswer Answer, [property: Id(1)] Guid? Other = null);

/// <summary>
/// What a device whose media link is still up says of its call when the call's grain forgot it (an answered call lives in
/// memory only, and its silo died): enough to make the call again, never trusted beyond what the two users' grains confirm.
/// </summary>
[GenerateSerializer, Immutable, Alias("cybernet.call-claim")]
public sealed record CallClaim(
    [property: Id(0)] Guid CallId,
    [property: Id(1)] Guid Caller,
    [property: Id(2)] Guid Callee,
    [property: Id(3)] bool Video,
    [property: Id(4)] DateTimeOffset? ConnectedAt);

/// <summary>A call signal (SDP or ICE) between the two sessions of a call, or while it rings between the caller and a ringing device. The payload is opaque to the server and never stored or logged.</summary>
[GenerateSerializer, Immutable, Alias("cybernet.call-signal")]
public sealed record CallSignal(
    [property: Id(0)] Guid CallId,
    [property: Id(1)] Guid FromUser,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Payload)
{
    /// <summary>The sender's session in the call, filled in by the call's grain: a device that rejoined is a new one.</summary>
    [Id(4)]
    public string FromSession { get; init; } = "";

    /// <summary>
    /// The callee's device a signal of the caller is for while the call rings (each ringing device connects ahead of an
    /// answer); null once the call is under way, when the other party's device in the call is the only one.
    /// </summary>
    [Id(5)]
    public string? ToSession { get; init; }

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"CallId = {CallId}, FromUser = {FromUser}, FromSession = {FromSession}, ToSession = {ToSession}, Kind = {Kind}, Payload = <{Payload.Length} chars>");
        return true;
    }
}

/// <summary>An act on a call refused: by someone not in it, or in a state where it makes no sense. Nothing changed.</summary>
[GenerateSerializer, Alias("cybernet.call-refused")]
public sealed class CallRefusedException : Exception
{
    public CallRefusedException()
    {
    }

    public CallRefusedException(string message)
        : base(message)
    {
    }

    public CallRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
