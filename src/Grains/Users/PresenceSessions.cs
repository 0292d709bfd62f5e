namespace Cybernet.Grains.Users;

/// <summary>A user's live sessions, each held by a web node under a lease, and the presence they add up to.</summary>
public sealed class PresenceSessions(int maxSessions)
{
    private readonly Dictionary<string, Session> sessions = new(StringComparer.Ordinal);

    // Sessions that said goodbye, until their lease would have run out: a renewal snapshot taken just before the
    // goodbye must not bring them back.
    private readonly Dictionary<string, DateTimeOffset> departed = new(StringComparer.Ordinal);

    public int Count => sessions.Count;

    public PresenceState State =>
        sessions.Count == 0 ? PresenceState.Offline
        : sessions.Values.Any(s => s.Active) ? PresenceState.Online
        : PresenceState.Away;

    /// <summary>Adds or refreshes a session; returns the id of a session evicted to stay under the cap, if any.</summary>
    public string? Upsert(string connectionId, ISessionObserver observer, bool active, DateTimeOffset expiresAt)
    {
        if (sessions.TryGetValue(connectionId, out var existing))
        {
            existing.Observer = observer;
            existing.Active = active;
            existing.ExpiresAt = expiresAt;
            return null;
        }

        string? evicted = null;
        if (sessions.Count >= maxSessions)
        {
            evicted = sessions.MinBy(s => s.Value.ExpiresAt).Key;
            sessions.Remove(evicted);
        }

        sessions[connectionId] = new Session(observer, active, expiresAt);
        return evicted;
    }

    /// <summary>
    /// Extends a lease. A session this grain does not know (it was reactivated elsewhere) is added back as active,
    /// unless it said goodbye recently; then this returns true.
    /// </summary>
    public bool Renew(string connectionId, ISessionObserver observer, DateTimeOffset expiresAt)
    {
        if (departed.ContainsKey(connectionId))
        {
            return false;
        }

        if (sessions.TryGetValue(connectionId, out var session))
        {
            session.Observer = observer;
            session.ExpiresAt = expiresAt;
            return false;
        }

        Upsert(connectionId, observer, active: true, expiresAt);
        return true;
    }

    /// <summary>A goodbye: the session leaves and is remembered as gone until <paramref name="rememberUntil"/>.</summary>
    public bool Remove(string connectionId, DateTimeOffset rememberUntil)
    {
        departed[connectionId] = rememberUntil;
        return sessions.Remove(connectionId);
    }

    public bool SetActive(string connectionId, bool active)
    {
        if (!sessions.TryGetValue(connectionId, out var session) || session.Active == active)
        {
            return false;
        }

        session.Active = active;
        return true;
    }

    /// <summary>Drops the sessions whose lease ran out; returns their ids.</summary>
    public IReadOnlyList<string> RemoveExpired(DateTimeOffset now)
    {
        foreach (var gone in departed.Where(d => d.Value <= now).Select(d => d.Key).ToList())
        {
            departed.Remove(gone);
        }

        var expired = sessions.Where(s => s.Value.ExpiresAt <= now).Select(s => s.Key).ToList();
        foreach (var id in expired)
        {
            sessions.Remove(id);
        }

        return expired;
    }

    public bool Contains(string connectionId) => sessions.ContainsKey(connectionId);

    /// <summary>Sessions grouped by the web node holding them, so each node gets one call. <paramref name="only"/> narrows to one session.</summary>
    public IEnumerable<(ISessionObserver Observer, ImmutableArray<string> ConnectionIds)> ByNode(string? only = null) =>
        sessions
            .Where(s => only is null || s.Key == only)
            .GroupBy(s => s.Value.Observer)
            .Select(g => (g.Key, g.Select(s => s.Key).ToImmutableArray()));

    private sealed class Session(ISessionObserver observer, bool active, DateTimeOffset expiresAt)
    {
        public ISessionObserver Observer { get; set; } = observer;

        public bool Active { get; set; } = active;

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;
    }
}
