namespace Cybernet.Grains.Tests;

/// <summary>
/// Pending offers and their unseen events have one writer, the recipient's grain: the two agree after every change,
/// and after a failed write to the store in between, once written again, with nothing lost and nothing counted twice.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class UserGrainOfferTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private static MemoryUnseenEventStore Store => ClusterFixture.UnseenEvents;

    private IUserGrain User(Guid id) => fixture.Grains.GetGrain<IUserGrain>(id);

    private Task<(Guid A, Guid B)> ContactsAsync() => fixture.NewContactsAsync();

    /// <summary>What the grain of <paramref name="user"/> shows as pending, as the store keeps it: count by contact and kind.</summary>
    private async Task<Dictionary<(Guid From, string Kind), int>> PendingOfAsync(Guid user) =>
        (await User(user).GetContacts()).PendingOffers.ToDictionary(o => (o.From, o.Kind), o => o.Count);

    private async Task AgreeAsync(Guid user, string what) =>
        await TestWait.UntilAsync(async () =>
        {
            var pending = await PendingOfAsync(user);
            var stored = Store.OpenOf(user);
            return pending.Count == stored.Count && pending.All(p => stored.TryGetValue(p.Key, out var count) && count == p.Value);
        }, Patience, what);

    [Fact]
    public async Task Unseen_events_follow_the_offers_as_they_are_set_cleared_and_forgotten()
    {
        var (a, b) = await ContactsAsync();

        await User(b).SetPendingOffer(a, OfferKinds.Message, 3, 0);
        await User(b).SetPendingOffer(a, OfferKinds.File, 2, 10);
        Assert.Equal(new Dictionary<(Guid, string), int> { [(a, OfferKinds.Message)] = 3, [(a, OfferKinds.File)] = 2 }, Store.OpenOf(b));

        await User(b).ClearPendingOffers(a, OfferKinds.File);
        Assert.Equal(new Dictionary<(Guid, string), int> { [(a, OfferKinds.Message)] = 3 }, Store.OpenOf(b));

        // Removing the contact drops what each held for the other, on both sides.
        await User(a).SetPendingOffer(b, OfferKinds.Call, 1, 0);
        await User(a).RemoveContact(b);
        Assert.Empty(Store.OpenOf(a));
        await TestWait.UntilAsync(() => Task.FromResult(Store.OpenOf(b).Count == 0), Patience, "B's events from A are closed");
    }

    [Fact]
    public async Task Blocking_drops_the_unseen_events_both_ways()
    {
        var (a, b) = await ContactsAsync();
        await User(a).SetPendingOffer(b, OfferKinds.Message, 2, 0);
        await User(b).SetPendingOffer(a, OfferKinds.Message, 4, 0);

        await User(a).Block(b);

        Assert.Empty(Store.OpenOf(a));
        await TestWait.UntilAsync(() => Task.FromResult(Store.OpenOf(b).Count == 0), Patience, "what A held for B is withdrawn");
        Assert.Empty(await PendingOfAsync(b));
    }

    [Fact]
    public async Task A_store_failure_after_the_offer_was_saved_loses_and_doubles_nothing()
    {
        var (a, b) = await ContactsAsync();

        // The offer is saved in the grain, then its unseen event fails to be written: the caller is not failed.
        Store.Fail(b);
        Assert.Equal(SignalOutcome.RecipientOffline, await User(b).SetPendingOffer(a, OfferKinds.Message, 3, 0));
        Assert.Equal(3, (await PendingOfAsync(b))[(a, OfferKinds.Message)]);

        // The grain writes it again by itself: one event, counted once.
        await AgreeAsync(b, "the unseen event catches up with the offer");
        Assert.Equal(new Dictionary<(Guid, string), int> { [(a, OfferKinds.Message)] = 3 }, Store.OpenOf(b));
        Assert.True(Store.WritesOf(b) >= 2);

        // A caller's retry after a failure writes it at once, and a retry of what is already written changes nothing.
        Store.Fail(b);
        await User(b).SetPendingOffer(a, OfferKinds.Message, 5, 0);
        await User(b).SetPendingOffer(a, OfferKinds.Message, 5, 0);
        Assert.Equal(new Dictionary<(Guid, string), int> { [(a, OfferKinds.Message)] = 5 }, Store.OpenOf(b));
        await User(b).SetPendingOffer(a, OfferKinds.Message, 5, 0);
        Assert.Equal(new Dictionary<(Guid, string), int> { [(a, OfferKinds.Message)] = 5 }, Store.OpenOf(b));
        await AgreeAsync(b, "offer and event agree");
    }

    [Fact]
    public async Task A_state_write_that_fails_leaves_neither_the_offer_nor_its_event()
    {
        var (a, b) = await ContactsAsync();

        ClusterFixture.UserStorage!.RefuseNextWrite(User(b).GetGrainId());
        await Assert.ThrowsAnyAsync<Exception>(() => User(b).SetPendingOffer(a, OfferKinds.Message, 3, 0));

        // The activation that held the unsaved offer is gone: the next one has neither offer nor event.
        await TestWait.UntilAsync(async () => (await PendingOfAsync(b)).Count == 0, Patience, "the unsaved offer is dropped");
        Assert.Empty(Store.OpenOf(b));

        // The caller's retry records both, once.
        await User(b).SetPendingOffer(a, OfferKinds.Message, 3, 0);
        Assert.Equal(new Dictionary<(Guid, string), int> { [(a, OfferKinds.Message)] = 3 }, Store.OpenOf(b));
        await AgreeAsync(b, "offer and event agree");
    }

    [Fact]
    public async Task A_store_failure_while_clearing_or_forgetting_leaves_no_event_open()
    {
        var (a, b) = await ContactsAsync();
        await User(b).SetPendingOffer(a, OfferKinds.Message, 2, 0);
        await User(b).SetPendingOffer(a, OfferKinds.File, 1, 100);

        Store.Fail(b);
        await User(b).ClearPendingOffers(a, OfferKinds.Message);
        await AgreeAsync(b, "the cleared offer's event is closed");
        Assert.Equal(new Dictionary<(Guid, string), int> { [(a, OfferKinds.File)] = 1 }, Store.OpenOf(b));

        // A removes B: B's grain forgets what A held, and its failed write is done again.
        Store.Fail(b);
        await User(a).RemoveContact(b);
        await TestWait.UntilAsync(async () => (await PendingOfAsync(b)).Count == 0, Patience, "B forgets what A held");
        await AgreeAsync(b, "B's events from A are closed");
        Assert.Empty(Store.OpenOf(b));
    }
}
