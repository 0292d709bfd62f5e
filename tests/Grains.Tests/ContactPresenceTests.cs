using Cybernet.Grains.Users;

namespace Cybernet.Grains.Tests;

public sealed class ContactPresenceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly Guid Ann = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();

    private static UserPresence Online(Guid user, long version) => new(user, PresenceState.Online, null, 1, version);

    [Fact]
    public void A_newer_presence_is_shown_and_an_older_one_that_arrives_late_is_dropped()
    {
        var contacts = new ContactPresence(Lease);
        Assert.True(contacts.Heard(Online(Ann, 5), T0));
        Assert.False(contacts.Heard(new UserPresence(Ann, PresenceState.Offline, T0, 0, 4), T0));
        Assert.True(contacts.IsShownOnline(Ann));
        Assert.True(contacts.Heard(new UserPresence(Ann, PresenceState.Away, null, 1, 6), T0));
        Assert.Equal(PresenceState.Away, Assert.Single(contacts.Known).State);
    }

    [Fact]
    public void A_contact_not_heard_from_for_two_leases_is_shown_offline_last_seen_to_the_minute()
    {
        var contacts = new ContactPresence(Lease);
        var heard = T0.AddSeconds(42.5);
        contacts.Heard(Online(Ann, 1), heard);
        contacts.Heard(Online(Bob, 1), heard + Lease);

        Assert.Empty(contacts.Expire(heard + (Lease * 2)));
        var gone = Assert.Single(contacts.Expire(heard + (Lease * 2) + TimeSpan.FromSeconds(1)));
        Assert.Equal((Ann, PresenceState.Offline, 0, 2L), (gone.UserId, gone.State, gone.Devices, gone.Version));
        Assert.Equal(T0, gone.LastSeen);
        Assert.False(contacts.IsShownOnline(Ann));
        Assert.True(contacts.IsShownOnline(Bob));

        // Shown offline once: a later sweep does not repeat it.
        Assert.DoesNotContain(contacts.Expire(heard + (Lease * 3)), p => p.UserId == Ann);
    }

    [Fact]
    public void Being_heard_from_renews_the_lease_even_without_news()
    {
        var contacts = new ContactPresence(Lease);
        contacts.Heard(Online(Ann, 1), T0);
        contacts.Heard(Online(Ann, 1), T0 + Lease);
        Assert.Empty(contacts.Expire(T0 + (Lease * 2.5)));
    }

    [Fact]
    public void Heartbeats_go_every_half_lease_to_contacts_shown_online()
    {
        var contacts = new ContactPresence(Lease);
        contacts.Heard(Online(Ann, 1), T0);
        contacts.Heard(new UserPresence(Bob, PresenceState.Offline, T0, 0, 1), T0);

        Assert.Equal(new[] { Ann }, contacts.HeartbeatDue(T0));
        Assert.Empty(contacts.HeartbeatDue(T0 + (Lease / 4)));
        Assert.Equal(new[] { Ann }, contacts.HeartbeatDue(T0 + (Lease / 2)));
    }

    [Fact]
    public void Removing_says_whether_the_contact_was_shown_online_and_clearing_forgets_everyone()
    {
        var contacts = new ContactPresence(Lease);
        contacts.Heard(Online(Ann, 1), T0);
        contacts.Heard(new UserPresence(Bob, PresenceState.Offline, T0, 0, 1), T0);

        Assert.True(contacts.Remove(Ann));
        Assert.False(contacts.Remove(Bob));
        Assert.False(contacts.Remove(Guid.NewGuid()));

        contacts.Heard(Online(Ann, 2), T0);
        contacts.Clear();
        Assert.Empty(contacts.Known);
    }

    [Fact]
    public void Last_seen_is_the_minute_in_utc()
    {
        var moment = new DateTimeOffset(2026, 11, 25, 13, 59, 59, 999, TimeSpan.FromHours(1));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 59, 0, TimeSpan.Zero), ContactPresence.LastSeenAt(moment));
    }
}
