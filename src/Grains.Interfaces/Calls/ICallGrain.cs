namespace Cybernet.Grains.Interfaces.Calls;

/// <summary>
/// One per call, keyed by a fresh random id: the call's state machine and its deadlines (ring, connect, reconnect).
/// Only the caller and the callee may act on it, and only where the act makes sense: anything else throws
/// <see cref="CallRefusedException"/> and changes nothing. It keeps no content and forgets the call once it ended and
/// both users' grains were told.
/// </summary>
[Alias("cybernet.call")]
public interface ICallGrain : IGrainWithGuidKey
{
    /// <summary>Places the call from <paramref name="session"/> of <paramref name="caller"/>; rings the callee's devices or ends at once (busy, not available).</summary>
    [Alias("start")]
    Task<CallUpdate> Start(Guid caller, string session, Guid callee, bool video);

    /// <summary>A session of the callee answers; the first one wins, later ones are refused ("answered on another device").</summary>
    [Alias("accept")]
    Task<CallUpdate> Accept(Guid user, string session);

    [Alias("decline")]
    Task<CallUpdate> Decline(Guid user, string session);

    /// <summary>Either side ends the call: the caller before an answer cancels it; after, it is completed (or cancelled if it never connected).</summary>
    [Alias("hang-up")]
    Task<CallUpdate> HangUp(Guid user, string session);

    /// <summary>The reporting side's media connection is up.</summary>
    [Alias("connected")]
    Task<CallUpdate> ReportConnected(Guid user, string session);

    /// <summary>The reporting side lost its media connection and is restarting ICE.</summary>
    [Alias("reconnecting")]
    Task<CallUpdate> ReportReconnecting(Guid user, string session);

    /// <summary>The reporting side cannot go on: the call ends as failed with <paramref name="failure"/>.</summary>
    [Alias("failed")]
    Task<CallUpdate> ReportFailed(Guid user, string session, CallFailure failure);

    /// <summary>A new session of a party (a reloaded tab) takes over that party's place in a call that is under way.</summary>
    [Alias("rejoin")]
    Task<CallUpdate> Rejoin(Guid user, string session);

    /// <summary>
    /// A device whose media link is still up says it is in this call, which the grain forgot (an answered call lives in
    /// memory; its silo died): the first claim makes the call again from <paramref name="claim"/> (the other side's device
    /// then claims too), and on a call the grain holds it binds the device again. Refused unless it matches.
    /// </summary>
    [Alias("resume")]
    Task<CallUpdate> Resume(Guid user, string session, CallClaim claim);

    /// <summary>Relays a signal from <paramref name="session"/> of <c>signal.FromUser</c> to the other party's session in the call (while it rings: between the caller and a ringing device).</summary>
    [Alias("signal")]
    Task Signal(string session, CallSignal signal);

    /// <summary>The call as it is now, to one of its two parties.</summary>
    [Alias("get")]
    Task<CallUpdate> Get(Guid user);

    /// <summary>A session taking part in the call is gone (closed, or its lease ran out): as a lost connection, it may rejoin.</summary>
    [OneWay, Alias("session-gone")]
    Task SessionGone(Guid user, string session);

    /// <summary>The two called each other at once and this call gives way to <paramref name="other"/>.</summary>
    [OneWay, Alias("give-way")]
    Task GiveWay(Guid other);
}
