namespace Cybernet.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class UserGrainTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private IUserGrain User(Guid id) => fixture.Grains.GetGrain<IUserGrain>(id);

    private ISessionObserver Reference(RecordingObserver observer) =>
        fixture.Grains.CreateObjectReference<ISessionObserver>(observer);

    /// <summary>Plays a live web node: renews the session's lease at a third of its length until disposed.</summary>
    private Renewer KeepRenewing(Guid user, RecordingObserver node, string connectionId) =>
        new(() => User(user).Renew(Reference(node), [connectionId]));

    private Task<(Guid A, Guid B)> ContactsAsync() => fixture.NewContactsAsync();

    [Fact]
    public async Task Request_lands_in_the_inbox_and_accepting_makes_both_contacts()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await User(a).RequestContact(b);

        Assert.Contains((await User(a).GetContacts()).Contacts, c => c.UserId == b && c.Status == ContactStatus.RequestSent);
        await TestWait.UntilAsync(async () => (await User(b).GetContacts()).Contacts.Any(c => c.UserId == a && c.Status == ContactStatus.RequestReceived), Patience, "B's inbox shows A");

        await User(b).AcceptContact(a);
        await TestWait.UntilAsync(async () => (await User(a).GetContacts()).Contacts.Single(c => c.UserId == b).Status == ContactStatus.Accepted, Patience, "A sees B accepted");
        Assert.Equal(ContactStatus.Accepted, (await User(b).GetContacts()).Contacts.Single(c => c.UserId == a).Status);
    }

    [Fact]
    public async Task Declining_clears_the_request_on_both_sides()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await User(a).RequestContact(b);
        await TestWait.UntilAsync(async () => (await User(b).GetContacts()).Contacts.Length == 1, Patience, "B receives the request");

        await User(b).DeclineContact(a);

        Assert.Empty((await User(b).GetContacts()).Contacts);
        await TestWait.UntilAsync(async () => (await User(a).GetContacts()).Contacts.IsEmpty, Patience, "A's sent request disappears");
    }

    [Fact]
    public async Task Accepting_a_request_that_was_never_made_is_refused()
    {
        var error = await Assert.ThrowsAsync<ContactRuleException>(() => User(Guid.NewGuid()).AcceptContact(Guid.NewGuid()));
        Assert.Contains("no request", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Contacts_see_each_other_come_online_and_go_offline()
    {
        var (a, b) = await ContactsAsync();
        var nodeA = new RecordingObserver();
        var nodeB = new RecordingObserver();
        var book = await User(a).Connect("a-1", Reference(nodeA), active: true);
        await using var keepA = KeepRenewing(a, nodeA, "a-1");
        Assert.DoesNotContain(book.KnownPresence, p => p.UserId == b && p.State != PresenceState.Offline);

        await User(b).Connect("b-1", Reference(nodeB), active: true);
        await using var keepB = KeepRenewing(b, nodeB, "b-1");
        await TestWait.UntilAsync(() => Task.FromResult(nodeA.LastPresenceOf(b)?.State == PresenceState.Online), Patience, "A sees B online");
        await TestWait.UntilAsync(() => Task.FromResult(nodeB.LastPresenceOf(a)?.State == PresenceState.Online), Patience, "B sees A online");

        await User(b).SetActive("b-1", active: false);
        await TestWait.UntilAsync(() => Task.FromResult(nodeA.LastPresenceOf(b)?.State == PresenceState.Away), Patience, "A sees B away");

        await User(b).Disconnect("b-1");
        await TestWait.UntilAsync(() => Task.FromResult(nodeA.LastPresenceOf(b) is { State: PresenceState.Offline, LastSeen: not null }), Patience, "A sees B offline with a last-seen time");
        var lastSeen = nodeA.LastPresenceOf(b)!.LastSeen!.Value;
        Assert.Equal(0, lastSeen.Second);
    }

    [Fact]
    public async Task A_session_whose_node_stops_renewing_goes_offline_when_its_lease_runs_out()
    {
        var (a, b) = await ContactsAsync();
        var nodeA = new RecordingObserver();
        await User(a).Connect("a-1", Reference(nodeA), active: true);
        await User(b).Connect("b-1", Reference(new RecordingObserver()), active: true);
        await TestWait.UntilAsync(() => Task.FromResult(nodeA.LastPresenceOf(b)?.State == PresenceState.Online), Patience, "A sees B online");

        // B's node "dies": nothing renews b-1, while A's node keeps renewing a-1.
        await using var keepA = KeepRenewing(a, nodeA, "a-1");

        await TestWait.UntilAsync(() => Task.FromResult(nodeA.LastPresenceOf(b)?.State == PresenceState.Offline), Patience, "B goes offline by lease expiry");
        Assert.Equal(PresenceState.Online, (await User(a).GetPresence()).State);
    }

    [Fact]
    public async Task Blocked_user_sees_me_offline_and_cannot_request_again()
    {
        var (a, b) = await ContactsAsync();
        var nodeA = new RecordingObserver();
        var nodeB = new RecordingObserver();
        await User(a).Connect("a-1", Reference(nodeA), active: true);
        await using var keepA = KeepRenewing(a, nodeA, "a-1");
        await User(b).Connect("b-1", Reference(nodeB), active: true);
        await using var keepB = KeepRenewing(b, nodeB, "b-1");
        await TestWait.UntilAsync(() => Task.FromResult(nodeB.LastPresenceOf(a)?.State == PresenceState.Online), Patience, "B sees A online");

        await User(a).Block(b);

        await TestWait.UntilAsync(() => Task.FromResult(nodeB.LastPresenceOf(a)?.State == PresenceState.Offline), Patience, "B now sees A offline");
        var bookA = await User(a).GetContacts();
        Assert.DoesNotContain(bookA.Contacts, c => c.UserId == b);
        Assert.Contains(b, bookA.Blocked);

        // B reconnecting still sees A offline, and B's requests never reach A.
        await User(b).Disconnect("b-1");
        await User(b).RemoveContact(a);
        await User(b).RequestContact(a);
        var signal = await User(a).DeliverSignal(new RelayedSignal(b, "b-1", null, "offer", "{}"));
        Assert.Equal(SignalOutcome.RecipientOffline, signal);
        Assert.DoesNotContain((await User(a).GetContacts()).Contacts, c => c.UserId == b);
    }

    [Fact]
    public async Task Signals_reach_contacts_and_are_refused_between_strangers()
    {
        var (a, b) = await ContactsAsync();
        var nodeB = new RecordingObserver();
        await User(b).Connect("b-1", Reference(nodeB), active: true);

        Assert.Equal(SignalOutcome.Delivered, await User(b).DeliverSignal(new RelayedSignal(a, "a-1", null, "offer", "sdp")));
        await TestWait.UntilAsync(() => Task.FromResult(nodeB.Signals.Any(s => s.Signal.FromUser == a && s.To.Contains("b-1"))), Patience, "B's session gets the signal");

        Assert.Equal(SignalOutcome.NotAContact, await User(b).DeliverSignal(new RelayedSignal(Guid.NewGuid(), "x-1", null, "offer", "sdp")));
        Assert.Equal(SignalOutcome.RecipientOffline, await User(a).DeliverSignal(new RelayedSignal(b, "b-1", null, "offer", "sdp")));
    }

    [Fact]
    public async Task A_user_can_signal_their_own_other_session_but_not_the_sending_one()
    {
        var me = Guid.NewGuid();
        var node = new RecordingObserver();
        await User(me).Connect("phone", Reference(node), active: true);
        await User(me).Connect("laptop", Reference(node), active: true);

        Assert.Equal(SignalOutcome.Delivered, await User(me).DeliverSignal(new RelayedSignal(me, "phone", null, "hello", "{}")));
        await TestWait.UntilAsync(() => Task.FromResult(!node.Signals.IsEmpty), Patience, "the laptop gets the signal");
        Assert.Equal("laptop", Assert.Single(node.Signals.Single().To));
        Assert.Equal(2, (await User(me).GetPresence()).Devices);
    }

    [Fact]
    public async Task Pending_offers_are_counts_set_not_added_and_refused_between_strangers()
    {
        var (a, b) = await ContactsAsync();

        Assert.Equal(SignalOutcome.RecipientOffline, await User(b).SetPendingOffer(a, OfferKinds.Message, 3, 0));
        Assert.Equal(SignalOutcome.RecipientOffline, await User(b).SetPendingOffer(a, OfferKinds.Message, 3, 0)); // a retry
        var offer = Assert.Single((await User(b).GetContacts()).PendingOffers);
        Assert.Equal((a, OfferKinds.Message, 3), (offer.From, offer.Kind, offer.Count));

        await User(b).SetPendingOffer(a, OfferKinds.Message, 1, 0);
        Assert.Equal(1, Assert.Single((await User(b).GetContacts()).PendingOffers).Count);
        await User(b).ClearPendingOffers(a, OfferKinds.Message);
        Assert.Empty((await User(b).GetContacts()).PendingOffers);

        Assert.Equal(SignalOutcome.NotAContact, await User(b).SetPendingOffer(Guid.NewGuid(), OfferKinds.Message, 1, 0));
        Assert.Empty((await User(b).GetContacts()).PendingOffers);
    }

    [Fact]
    public async Task Pending_offers_from_a_removed_contact_are_forgotten()
    {
        var (a, b) = await ContactsAsync();
        await User(b).SetPendingOffer(a, OfferKinds.Message, 2, 0);

        await User(a).RemoveContact(b);

        await TestWait.UntilAsync(async () => (await User(b).GetContacts()).PendingOffers.IsEmpty, Patience, "B forgets what A held");
    }

    [Fact]
    public async Task A_contact_shown_online_that_stops_being_heard_from_goes_offline()
    {
        var (a, b) = await ContactsAsync();
        var nodeB = new RecordingObserver();
        await User(b).Connect("b-1", Reference(nodeB), active: true);
        await using var keepB = KeepRenewing(b, nodeB, "b-1");

        // A's grain says "online" once and then is never heard from again (as if lost with its silo and its web node).
        await User(b).OnContactPresence(new UserPresence(a, PresenceState.Online, null, 1, DateTimeOffset.UtcNow.UtcTicks), wantsReply: false);
        await TestWait.UntilAsync(() => Task.FromResult(nodeB.LastPresenceOf(a)?.State == PresenceState.Online), Patience, "B shows A online");

        await TestWait.UntilAsync(() => Task.FromResult(nodeB.LastPresenceOf(a) is { State: PresenceState.Offline, LastSeen: not null }), Patience, "B shows A offline once A's presence lease runs out");
    }

    [Fact]
    public async Task Contacts_that_stay_online_keep_each_other_online_past_many_leases()
    {
        var (a, b) = await ContactsAsync();
        var nodeA = new RecordingObserver();
        var nodeB = new RecordingObserver();
        await User(a).Connect("a-1", Reference(nodeA), active: true);
        await using var keepA = KeepRenewing(a, nodeA, "a-1");
        await User(b).Connect("b-1", Reference(nodeB), active: true);
        await using var keepB = KeepRenewing(b, nodeB, "b-1");
        await TestWait.UntilAsync(() => Task.FromResult(nodeA.LastPresenceOf(b)?.State == PresenceState.Online), Patience, "A sees B online");

        // Four leases later (heartbeats every half lease), nobody has been shown offline.
        var until = DateTime.UtcNow + (ClusterFixture.Lease * 4);
        await TestWait.UntilAsync(() => Task.FromResult(DateTime.UtcNow >= until || nodeA.LastPresenceOf(b)?.State != PresenceState.Online), (ClusterFixture.Lease * 4) + Patience, "four leases pass");
        Assert.Equal(PresenceState.Online, nodeA.LastPresenceOf(b)?.State);
        Assert.Equal(PresenceState.Online, nodeB.LastPresenceOf(a)?.State);
    }
}
