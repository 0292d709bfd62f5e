using Cybernet.Grains.Users;

namespace Cybernet.Grains.Tests;

public sealed class PresenceSessionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly ISessionObserver Node = new RecordingObserver();

    [Fact]
    public void No_sessions_is_offline_any_active_is_online_all_idle_is_away()
    {
        var sessions = new PresenceSessions(maxSessions: 8);
        Assert.Equal(PresenceState.Offline, sessions.State);
        sessions.Upsert("tab-1", Node, active: false, T0);
        Assert.Equal(PresenceState.Away, sessions.State);
        sessions.Upsert("tab-2", Node, active: true, T0);
        Assert.Equal(PresenceState.Online, sessions.State);
        sessions.SetActive("tab-2", false);
        Assert.Equal(PresenceState.Away, sessions.State);
    }

    [Fact]
    public void Expired_sessions_are_removed_and_renewed_ones_stay()
    {
        var sessions = new PresenceSessions(maxSessions: 8);
        sessions.Upsert("a", Node, true, T0.AddSeconds(10));
        sessions.Upsert("b", Node, true, T0.AddSeconds(10));
        sessions.Renew("b", Node, T0.AddSeconds(40));

        Assert.Equal(["a"], sessions.RemoveExpired(T0.AddSeconds(30)));
        Assert.False(sessions.Contains("a"));
        Assert.True(sessions.Contains("b"));
    }

    [Fact]
    public void Renewing_an_unknown_session_adds_it_back_as_active()
    {
        var sessions = new PresenceSessions(maxSessions: 8);
        sessions.Renew("after-restart", Node, T0);
        Assert.Equal(PresenceState.Online, sessions.State);
    }

    [Fact]
    public void The_cap_evicts_the_session_closest_to_expiry()
    {
        var sessions = new PresenceSessions(maxSessions: 2);
        sessions.Upsert("old", Node, true, T0);
        sessions.Upsert("newer", Node, true, T0.AddSeconds(5));
        Assert.Equal("old", sessions.Upsert("newest", Node, true, T0.AddSeconds(10)));
        Assert.Equal(2, sessions.Count);
    }

    [Fact]
    public void A_late_renewal_does_not_bring_back_a_session_that_said_goodbye()
    {
        var sessions = new PresenceSessions(maxSessions: 8);
        sessions.Upsert("tab", Node, true, T0.AddSeconds(30));
        sessions.Remove("tab", rememberUntil: T0.AddSeconds(30));

        sessions.Renew("tab", Node, T0.AddSeconds(40));
        Assert.Equal(PresenceState.Offline, sessions.State);

        // Once the lease it could have had is over, the id is forgotten.
        sessions.RemoveExpired(T0.AddSeconds(31));
        sessions.Renew("tab", Node, T0.AddSeconds(61));
        Assert.Equal(PresenceState.Online, sessions.State);
    }
}
