using Cybernet.Grains.Interfaces.Calls;
using Cybernet.Grains.Interfaces.Contacts;
using Cybernet.Grains.Interfaces.Presence;
using Cybernet.Grains.Interfaces.Signaling;

namespace Cybernet.Grains.Interfaces.Users;

/// <summary>One per account, keyed by the account id: contacts, presence sessions and signal routing.</summary>
[Alias("cybernet.user")]
public interface IUserGrain : IGrainWithGuidKey
{
    // Sessions, called by the web node that holds the connection.

    /// <summary>Adds a session (tab/device) held through <paramref name="observer"/>; returns the contact book so the session can render at once.</summary>
    [Alias("connect")]
    Task<ContactBook> Connect(string connectionId, ISessionObserver observer, bool active);

    /// <summary>Extends the lease of these sessions; a session not renewed goes offline when its lease runs out.</summary>
    [Alias("renew")]
    Task Renew(ISessionObserver observer, ImmutableArray<string> connectionIds);

    [Alias("disconnect")]
    Task Disconnect(string connectionId);

    /// <summary>A session reports whether its user is at it (visible tab with recent input).</summary>
    [Alias("set-active")]
    Task SetActive(string connectionId, bool active);

    [Alias("get-contacts")]
    Task<ContactBook> GetContacts();

    [Alias("get-presence")]
    Task<UserPresence> GetPresence();

    // Contacts, called on behalf of this user.

    [Alias("request")]
    Task RequestContact(Guid userId);

    [Alias("accept")]
    Task AcceptContact(Guid userId);

    [Alias("decline")]
    Task DeclineContact(Guid userId);

    [Alias("remove")]
    Task RemoveContact(Guid userId);

    [Alias("block")]
    Task Block(Guid userId);

    [Alias("unblock")]
    Task Unblock(Guid userId);

    // Between user grains: one-way, so two users acting on each other at once never deadlock.

    [OneWay, Alias("on-request")]
    Task OnContactRequested(Guid from);

    /// <summary>Our request was accepted; <paramref name="accepter"/> carries the accepter's presence.</summary>
    [OneWay, Alias("on-accepted")]
    Task OnContactAccepted(UserPresence accepter);

    [OneWay, Alias("on-removed")]
    Task OnContactRemoved(Guid by);

    /// <summary>A contact's presence changed; answer with ours when <paramref name="wantsReply"/>.</summary>
    [OneWay, Alias("on-presence")]
    Task OnContactPresence(UserPresence presence, bool wantsReply);

    /// <summary><paramref name="by"/> withdrew everything it held for this user (it blocked them; they are not told why).</summary>
    [OneWay, Alias("on-offers-withdrawn")]
    Task OnOffersWithdrawn(Guid by);

    // Pending offers: what contacts hold for this user while it is offline.

    /// <summary>
    /// A contact says how many of <paramref name="kind"/> they hold for this user (0 clears). Set, not add,
    /// so a retried call never counts twice. Refused between strangers. Also recorded as an unseen event for digests.
    /// </summary>
    [Alias("set-pending")]
    Task<SignalOutcome> SetPendingOffer(Guid from, string kind, int count, long bytes);

    /// <summary>One of this user's sessions has received what <paramref name="from"/> held for it.</summary>
    [Alias("clear-pending")]
    Task ClearPendingOffers(Guid from, string kind);

    // Signaling.

    /// <summary>Relays a signal from a contact to this user's sessions.</summary>
    [Alias("deliver-signal")]
    Task<SignalOutcome> DeliverSignal(RelayedSignal signal);

    // Calls: the call grain asks and tells; this grain never waits on a call grain.

    /// <summary>The call this user is in now, if any (a device that comes online asks).</summary>
    [Alias("get-call")]
    Task<CallUpdate?> GetCall();

    /// <summary>This user places <paramref name="call"/>: refused if in another call; "answer theirs" if the callee is ringing this user.</summary>
    [Alias("begin-call")]
    Task<CallerCheck> BeginCall(CallUpdate call);

    /// <summary>A device of this user claims to be in <paramref name="call"/>, which its grain forgot: refused unless with a contact and in no other call.</summary>
    [Alias("rejoin-call")]
    Task<CallerCheck> RejoinCall(CallUpdate call);

    /// <summary>Rings every online session for <paramref name="call"/>, or says why not (busy, offline, blocked, glare).</summary>
    [Alias("ring")]
    Task<RingResult> Ring(CallUpdate call);

    /// <summary>
    /// The call changed: every session is told; an ending frees the user and may leave a missed call, counted once per
    /// call id and saved before this returns (it throws if not, and the call's grain reports again).
    /// </summary>
    [Alias("on-call")]
    Task OnCallChanged(CallUpdate call);

    /// <summary>
    /// The call's grain knew nothing of <paramref name="callId"/> at <paramref name="asOf"/> (a version: its silo died and
    /// nobody had come back to it): if this user is in it, as last told before that, no longer.
    /// </summary>
    [OneWay, Alias("on-call-forgotten")]
    Task OnCallForgotten(Guid callId, long asOf);

    /// <summary>Passes a call signal to one session of this user.</summary>
    [Alias("deliver-call-signal")]
    Task DeliverCallSignal(string toSession, CallSignal signal);
}
