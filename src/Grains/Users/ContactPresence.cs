namespace Cybernet.Grains.Users;

/// <summary>
/// What a user's sessions are shown of their contacts' presence, leased like sessions are: a contact shown online that
/// has not been heard from for two leases (its grain was lost with its silo and came back knowing no sessions, say) is
/// shown offline rather than stuck online; and while online, the user repeats its own presence every half lease.
/// </summary>
public sealed class ContactPresence(TimeSpan lease)
{
    private readonly Dictionary<Guid, UserPresence> shown = [];
    private readonly Dictionary<Guid, DateTimeOffset> heard = [];
    private DateTimeOffset lastHeartbeat;

    /// <summary>Everything shown, online or not.</summary>
    public IEnumerable<UserPresence> Known => shown.Values;

    /// <summary>The last-seen time contacts are shown for a moment: its minute, never more precise.</summary>
    public static DateTimeOffset LastSeenAt(DateTimeOffset moment)
    {
        var utc = moment.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero);
    }

    /// <summary>A contact told its presence: renews its lease; returns true when it is newer than what is shown (and now shown).</summary>
    public bool Heard(UserPresence presence, DateTimeOffset now)
    {
        heard[presence.UserId] = now;
        if (shown.TryGetValue(presence.UserId, out var known) && known.Version >= presence.Version)
        {
            return false;
        }

        shown[presence.UserId] = presence;
        return true;
    }

    public bool IsShownOnline(Guid contact) => shown.TryGetValue(contact, out var presence) && presence.State != PresenceState.Offline;

    /// <summary>Forgets a contact; returns whether it was shown online.</summary>
    public bool Remove(Guid contact)
    {
        var wasOnline = IsShownOnline(contact);
        shown.Remove(contact);
        heard.Remove(contact);
        return wasOnline;
    }

    /// <summary>Forgets everyone: with no session left nobody watches, and changes are pushed to online users only.</summary>
    public void Clear()
    {
        shown.Clear();
        heard.Clear();
    }

    /// <summary>The contacts to repeat our presence to when half a lease has passed since the last time; otherwise none.</summary>
    public IReadOnlyList<Guid> HeartbeatDue(DateTimeOffset now)
    {
        if (now - lastHeartbeat < lease / 2)
        {
            return [];
        }

        lastHeartbeat = now;
        return [.. shown.Where(p => p.Value.State != PresenceState.Offline).Select(p => p.Key)];
    }

    /// <summary>Shows offline every contact shown online that was not heard from for two leases; returns what it now shows of them.</summary>
    public IReadOnlyList<UserPresence> Expire(DateTimeOffset now)
    {
        var gone = new List<UserPresence>();
        foreach (var (contact, presence) in shown.Where(p => p.Value.State != PresenceState.Offline).ToList())
        {
            if (heard.TryGetValue(contact, out var at) && now - at > lease * 2)
            {
                var offline = presence with { State = PresenceState.Offline, LastSeen = LastSeenAt(at), Devices = 0, Version = presence.Version + 1 };
                shown[contact] = offline;
                gone.Add(offline);
            }
        }

        return gone;
    }
}
