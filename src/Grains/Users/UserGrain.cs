using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using Orleans.Runtime;

namespace Cybernet.Grains.Users;

/// <summary>One per account: the contact book, the live sessions and their presence, and the door for signals to this user.</summary>
public sealed partial class UserGrain(
    [PersistentState("user", "users")] IPersistentState<UserState> state,
    IOptions<PresenceOptions> options,
    IUnseenEventStore unseenEvents,
    IOptions<UnseenEventsOptions> unseenEventsOptions,
    TimeProvider clock,
    Calls.CallClock callClock,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IRemindable
{
    private readonly PresenceOptions settings = options.Value;
    private readonly PresenceSessions sessions = new(options.Value.MaxSessions);

    // What this user's sessions are shown of each contact; also who is online to push changes to.
    private readonly ContactPresence contactPresence = new(options.Value.Lease);
    private UserPresence published = new(Guid.Empty, PresenceState.Offline, null, 0, 0);
    private IGrainTimer? sweep;

    private Guid Me => this.GetPrimaryKey();

    private DateTimeOffset Now => clock.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Versions follow the clock, so a fresh activation's "offline" never outranks what contacts saw before.
        published = published with { UserId = Me, LastSeen = state.State.LastSeen, Version = Now.UtcTicks };
        if (state.State.UnseenEventsBehind)
        {
            // The last activation saved offers it did not get to write as unseen events.
            ScheduleCatchUp(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public async Task<ContactBook> Connect(string connectionId, ISessionObserver observer, bool active)
    {
        var evicted = sessions.Upsert(connectionId, observer, active, Now + settings.Lease);
        if (evicted is not null)
        {
            LogSessionEvicted(Me);
            CallSessionGone(evicted);
        }

        EnsureSweeping();
        await PublishPresenceAsync();
        ShowCallTo(connectionId);
        return GetBook();
    }

    public async Task Renew(ISessionObserver observer, ImmutableArray<string> connectionIds)
    {
        foreach (var id in connectionIds)
        {
            if (sessions.Renew(id, observer, Now + settings.Lease))
            {
                // Learnt again by a new activation (the last one's silo died): shown the call its user is in, if any.
                ShowCallTo(id);
            }
        }

        EnsureSweeping();
        await PublishPresenceAsync();
    }

    public async Task Disconnect(string connectionId)
    {
        if (sessions.Remove(connectionId, Now + settings.Lease))
        {
            CallSessionGone(connectionId);
            await PublishPresenceAsync();
        }
    }

    public async Task SetActive(string connectionId, bool active)
    {
        if (sessions.SetActive(connectionId, active))
        {
            await PublishPresenceAsync();
        }
    }

    public Task<ContactBook> GetContacts() => Task.FromResult(GetBook());

    public Task<UserPresence> GetPresence() => Task.FromResult(published);

    public Task OnContactPresence(UserPresence presence, bool wantsReply)
    {
        var from = presence.UserId;
        if (state.State.Blocked.Contains(from))
        {
            if (wantsReply)
            {
                User(from).OnContactPresence(UserPresence.Hidden(Me, Now.UtcTicks), wantsReply: false).Ignore();
            }

            return Task.CompletedTask;
        }

        if (!IsAccepted(from))
        {
            return Task.CompletedTask;
        }

        // With no session here nobody watches; keeping it would only go stale, since changes are pushed to online users only.
        if (sessions.Count > 0 && contactPresence.Heard(presence, Now))
        {
            foreach (var (observer, ids) in sessions.ByNode())
            {
                observer.PresenceChanged(ids, presence).Ignore();
            }
        }

        if (wantsReply)
        {
            User(from).OnContactPresence(published, wantsReply: false).Ignore();
        }

        return Task.CompletedTask;
    }

    public Task<SignalOutcome> DeliverSignal(RelayedSignal signal)
    {
        var fromSelf = signal.FromUser == Me;
        if (!fromSelf && state.State.Blocked.Contains(signal.FromUser))
        {
            // Silent block: to the sender we look offline.
            return Task.FromResult(SignalOutcome.RecipientOffline);
        }

        if (!fromSelf && !IsAccepted(signal.FromUser))
        {
            return Task.FromResult(SignalOutcome.NotAContact);
        }

        if (signal.ToSession is not null && !sessions.Contains(signal.ToSession))
        {
            return Task.FromResult(SignalOutcome.RecipientOffline);
        }

        var delivered = false;
        foreach (var (observer, ids) in sessions.ByNode(signal.ToSession))
        {
            var targets = fromSelf ? ids.Remove(signal.FromSession) : ids;
            if (targets.Length > 0)
            {
                observer.SignalReceived(targets, signal).Ignore();
                delivered = true;
            }
        }

        return Task.FromResult(delivered ? SignalOutcome.Delivered : SignalOutcome.RecipientOffline);
    }

    private bool IsAccepted(Guid userId) =>
        state.State.Contacts.TryGetValue(userId, out var contact) && contact.Status == ContactStatus.Accepted;

    private ContactBook GetBook() => new(
        [.. state.State.Contacts.Values.OrderBy(c => c.Since)],
        [.. state.State.Blocked],
        [.. contactPresence.Known.Where(p => IsAccepted(p.UserId))],
        [.. state.State.PendingOffers.Values.Where(o => IsAccepted(o.From)).OrderBy(o => o.Since)]);

    private IUserGrain User(Guid userId) => GrainFactory.User(userId);

    private async Task SaveAndTellSessionsAsync()
    {
        await SaveOrForgetAsync(holdBackstop: true);
        TellContactsChanged();
        await CatchUpUnseenEventsAsync();
    }

    /// <summary>
    /// Saves the state; if that fails, what is in memory is dropped, so the next activation starts from what was saved.
    /// With <paramref name="holdBackstop"/>, unseen events behind get this grain's reminder first (a missed call has its
    /// call's reminder instead).
    /// </summary>
    private async Task SaveOrForgetAsync(bool holdBackstop)
    {
        try
        {
            if (holdBackstop && state.State.UnseenEventsBehind)
            {
                // Before the state that needs it is saved: a silo dying after the save still leaves the reminder.
                await HoldBackstopAsync();
            }

            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>Every session fetches the contact book again (pending counts changed).</summary>
    private void TellContactsChanged()
    {
        foreach (var (observer, ids) in sessions.ByNode())
        {
            observer.ContactsChanged(ids).Ignore();
        }
    }

    /// <summary>Recomputes presence from the sessions and, when it changed, tells the contacts that need to know.</summary>
    private async Task PublishPresenceAsync()
    {
        var stateNow = sessions.State;
        if (stateNow == published.State && sessions.Count == published.Devices)
        {
            return;
        }

        var cameOnline = published.State == PresenceState.Offline;
        var lastSeen = state.State.LastSeen;
        if (stateNow == PresenceState.Offline)
        {
            lastSeen = ContactPresence.LastSeenAt(Now);
            state.State.LastSeen = lastSeen;
            await state.WriteStateAsync();
            sweep?.Dispose();
            sweep = null;
        }

        // Versions must grow across activations too, so they follow the clock.
        var version = Math.Max(published.Version + 1, Now.UtcTicks);
        published = new UserPresence(Me, stateNow, lastSeen, sessions.Count, version);
        LogPresenceChanged(Me, stateNow, sessions.Count);

        // My own sessions learn how many devices I am on: "My devices" is a target for files like any contact.
        foreach (var (observer, ids) in sessions.ByNode())
        {
            observer.PresenceChanged(ids, published).Ignore();
        }

        foreach (var contact in state.State.Contacts.Values.Where(c => c.Status == ContactStatus.Accepted))
        {
            // Coming online we ask everyone for their presence; otherwise only contacts known online need the change.
            if (cameOnline)
            {
                User(contact.UserId).OnContactPresence(published, wantsReply: true).Ignore();
            }
            else if (contactPresence.IsShownOnline(contact.UserId))
            {
                User(contact.UserId).OnContactPresence(published, wantsReply: false).Ignore();
            }
        }

        if (stateNow == PresenceState.Offline)
        {
            contactPresence.Clear();
        }
    }

    private void EnsureSweeping()
    {
        sweep ??= this.RegisterGrainTimer(SweepExpiredAsync, settings.Sweep, settings.Sweep);
    }

    private async Task SweepExpiredAsync(CancellationToken cancellationToken)
    {
        var expired = sessions.RemoveExpired(Now);
        if (expired.Count > 0)
        {
            LogSessionsExpired(Me);
            expired.ToList().ForEach(CallSessionGone);
            await PublishPresenceAsync();
        }

        HeartbeatAndExpireContacts();
    }

    /// <summary>Presence is leased too: repeats ours to online contacts, and shows offline those no longer heard from.</summary>
    private void HeartbeatAndExpireContacts()
    {
        if (sessions.Count > 0)
        {
            foreach (var contact in contactPresence.HeartbeatDue(Now).Where(IsAccepted))
            {
                User(contact).OnContactPresence(published, wantsReply: false).Ignore();
            }
        }

        foreach (var gone in contactPresence.Expire(Now))
        {
            foreach (var (observer, ids) in sessions.ByNode())
            {
                observer.PresenceChanged(ids, gone).Ignore();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "User {UserId} is {State} on {Devices} device(s)")]
    private partial void LogPresenceChanged(Guid userId, PresenceState state, int devices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sessions of user {UserId} expired without renewal")]
    private partial void LogSessionsExpired(Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId} reached the session cap; the oldest session was dropped")]
    private partial void LogSessionEvicted(Guid userId);
}
