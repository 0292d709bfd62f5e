namespace Cybernet.Grains.Tests;

/// <summary>
/// Calls across grains: every device rings, the first answer wins, busy and offline callees, glare, blocking, the ring
/// timeout (on a clock the test moves), and signals only between the two devices in the call.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CallGrainTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private IUserGrain User(Guid id) => fixture.Grains.GetGrain<IUserGrain>(id);

    private ICallGrain Call(Guid id) => fixture.Grains.GetGrain<ICallGrain>(id);

    private static ICallGrain NewCall(IGrainFactory grains) => grains.GetGrain<ICallGrain>(Guid.NewGuid());

    private Task<(RecordingObserver Node, Renewer Keep)> OnlineAsync(Guid user, params string[] sessions) => fixture.OnlineAsync(user, sessions);

    private static Task SeesAsync(RecordingObserver node, string session, Func<CallUpdate, bool> what, string description) =>
        ClusterFixture.SeesAsync(node, session, what, description);

    /// <summary>Waits until any update pushed to <paramref name="session"/> (not only the last) matches.</summary>
    private static Task SawAsync(RecordingObserver node, string session, Func<CallUpdate, bool> what, string description) =>
        TestWait.UntilAsync(() => Task.FromResult(node.Calls.Any(c => c.To.Contains(session) && what(c.Call))), Patience, description);

    private Task<int> MissedCallsAsync(Guid user, Guid from) => fixture.MissedCallsAsync(user, from);

    [Fact]
    public async Task Every_device_rings_the_first_answer_wins_at_the_same_instant_and_the_others_stop()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (nodeA, keepA) = await OnlineAsync(a, "a-laptop", "a-phone");
        var (nodeB, keepB) = await OnlineAsync(b, "b-laptop", "b-phone", "b-tablet");
        await using var _ = keepA;
        await using var __ = keepB;

        var call = await NewCall(fixture.Grains).Start(a, "a-laptop", b, video: true);
        Assert.Equal(CallPhase.Ringing, call.Phase);
        foreach (var device in new[] { "b-laptop", "b-phone", "b-tablet" })
        {
            await SeesAsync(nodeB, device, c => c.CallId == call.CallId && c.Phase == CallPhase.Ringing, $"{device} rings");
        }

        // The caller's other device knows the call is on the laptop.
        await SeesAsync(nodeA, "a-phone", c => c.CallId == call.CallId && c.CallerSession == "a-laptop", "A's phone sees the call on the laptop");

        // Two devices answer at the same instant: exactly one wins.
        var answers = await Task.WhenAll(new[] { "b-phone", "b-tablet" }.Select(async device =>
        {
            try
            {
                return (device, (await Call(call.CallId).Accept(b, device)).CalleeSession, (string?)null);
            }
            catch (CallRefusedException refused)
            {
                return (device, null, refused.Message);
            }
        }));
        var winner = Assert.Single(answers, x => x.Item3 is null);
        var loser = Assert.Single(answers, x => x.Item3 is not null);
        Assert.Equal(winner.device, winner.CalleeSession);
        Assert.Contains("answered on another device", loser.Item3, StringComparison.Ordinal);

        foreach (var device in new[] { "b-laptop", "b-phone", "b-tablet" })
        {
            await SeesAsync(nodeB, device, c => c.Phase == CallPhase.Connecting && c.CalleeSession == winner.device, $"{device} learns where it was answered");
        }

        await SeesAsync(nodeA, "a-laptop", c => c.Phase == CallPhase.Connecting, "the caller learns it was answered");
        Assert.Equal(call.CallId, (await User(b).GetCall())?.CallId);

        // Each change counts up, so a device can drop an update that crossed a newer one on the way; a report that changes
        // nothing (the other side's "connected" too, or a device's heartbeat) is answered as it is, and nobody is told.
        var connected = await Call(call.CallId).ReportConnected(a, "a-laptop");
        await SeesAsync(nodeA, "a-laptop", c => c.Phase == CallPhase.Connected, "the caller is shown connected");
        var pushesBefore = nodeA.Calls.Count;
        var again = await Call(call.CallId).ReportConnected(b, winner.device);
        Assert.True(connected.Version > call.Version && again.Version == connected.Version, $"versions {call.Version}, {connected.Version}, {again.Version}");
        Assert.Equal(CallPhase.Connected, again.Phase);
        Assert.Equal(pushesBefore, nodeA.Calls.Count);
        await Call(call.CallId).HangUp(b, winner.device);
        await SeesAsync(nodeA, "a-laptop", c => c.Outcome == CallOutcome.Completed, "the caller sees it completed");
        Assert.Null(await User(a).GetCall());
        Assert.Null(await User(b).GetCall());
        Assert.Equal(0, await MissedCallsAsync(b, a));
        var late = await Assert.ThrowsAsync<CallRefusedException>(() => Call(call.CallId).HangUp(a, "a-laptop"));
        Assert.Contains("ended", late.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_decline_on_one_device_stops_every_device()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (nodeA, keepA) = await OnlineAsync(a, "a-1");
        var (nodeB, keepB) = await OnlineAsync(b, "b-1", "b-2");
        await using var _ = keepA;
        await using var __ = keepB;

        var call = await NewCall(fixture.Grains).Start(a, "a-1", b, video: false);
        await SeesAsync(nodeB, "b-2", c => c.Phase == CallPhase.Ringing, "B's second device rings");
        await Call(call.CallId).Decline(b, "b-1");

        await SeesAsync(nodeB, "b-2", c => c.Outcome == CallOutcome.Declined, "the second device stops");
        await SeesAsync(nodeA, "a-1", c => c.Outcome == CallOutcome.Declined && c.EndedBy == b, "the caller sees the decline");
        Assert.Equal(0, await MissedCallsAsync(b, a));
    }

    [Fact]
    public async Task A_second_caller_gets_busy_at_once_and_nothing_rings()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var c = Guid.NewGuid();
        await User(c).RequestContact(b);
        await TestWait.UntilAsync(async () => (await User(b).GetContacts()).Contacts.Any(x => x.UserId == c), Patience, "C's request reaches B");
        await User(b).AcceptContact(c);
        await TestWait.UntilAsync(async () => (await User(c).GetContacts()).Contacts.Any(x => x.UserId == b && x.Status == ContactStatus.Accepted), Patience, "C learns B accepted");
        var (_, keepA) = await OnlineAsync(a, "a-1");
        var (nodeB, keepB) = await OnlineAsync(b, "b-1");
        var (_, keepC) = await OnlineAsync(c, "c-1");
        await using var k1 = keepA;
        await using var k2 = keepB;
        await using var k3 = keepC;

        var first = await NewCall(fixture.Grains).Start(a, "a-1", b, video: false);
        var second = await NewCall(fixture.Grains).Start(c, "c-1", b, video: false);

        Assert.Equal((CallPhase.Ended, CallOutcome.Busy), (second.Phase, second.Outcome));
        Assert.DoesNotContain(nodeB.Calls, x => x.Call.CallId == second.CallId && x.Call.Phase == CallPhase.Ringing);
        Assert.Equal(first.CallId, (await User(b).GetCall())?.CallId);
        Assert.Null(await User(c).GetCall());
        // B hears that C tried.
        Assert.Equal(1, await MissedCallsAsync(b, c));
    }

    [Fact]
    public async Task A_contact_with_no_device_online_is_not_rung_and_gets_a_missed_call_for_the_digest()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (_, keepA) = await OnlineAsync(a, "a-1");
        await using var _ = keepA;

        var call = await NewCall(fixture.Grains).Start(a, "a-1", b, video: true);

        Assert.Equal((CallPhase.Ended, CallOutcome.NotAvailable), (call.Phase, call.Outcome));
        Assert.Null(await User(a).GetCall());
        Assert.Equal(1, await MissedCallsAsync(b, a));
        await TestWait.UntilAsync(() => Task.FromResult(ClusterFixture.UnseenEvents.OpenOf(b).GetValueOrDefault((a, OfferKinds.Call)) == 1), Patience, "the missed call is an unseen event");

        await NewCall(fixture.Grains).Start(a, "a-1", b, video: false);
        Assert.Equal(2, await MissedCallsAsync(b, a));

        // A device of B saw them: cleared, for the digest too.
        await User(b).ClearPendingOffers(a, OfferKinds.Call);
        Assert.Equal(0, await MissedCallsAsync(b, a));
        Assert.False(ClusterFixture.UnseenEvents.OpenOf(b).ContainsKey((a, OfferKinds.Call)));
    }

    [Fact]
    public async Task A_ring_nobody_answers_is_missed_when_the_clock_passes_the_timeout()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (nodeA, keepA) = await OnlineAsync(a, "a-1");
        var (nodeB, keepB) = await OnlineAsync(b, "b-1");
        await using var _ = keepA;
        await using var __ = keepB;

        var call = await NewCall(fixture.Grains).Start(a, "a-1", b, video: false);
        ClusterFixture.CallTime.Advance(ClusterFixture.CallTimings.RingTimeout - TimeSpan.FromSeconds(1));
        Assert.Equal(CallPhase.Ringing, (await Call(call.CallId).Get(a)).Phase);

        ClusterFixture.CallTime.Advance(TimeSpan.FromSeconds(1));
        await SeesAsync(nodeB, "b-1", c => c.CallId == call.CallId && c.Outcome == CallOutcome.Missed, "B's device stops ringing: missed");
        await SeesAsync(nodeA, "a-1", c => c.CallId == call.CallId && c.Outcome == CallOutcome.Missed, "A sees no answer");
        Assert.Equal(1, await MissedCallsAsync(b, a));
        Assert.Null(await User(b).GetCall());
        var late = await Assert.ThrowsAsync<CallRefusedException>(() => Call(call.CallId).Accept(b, "b-1"));
        Assert.Contains("ended", late.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_that_comes_online_while_it_rings_rings_with_the_time_left()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (_, keepA) = await OnlineAsync(a, "a-1");
        var (_, keepB) = await OnlineAsync(b, "b-1");
        await using var _ = keepA;
        await using var __ = keepB;

        var call = await NewCall(fixture.Grains).Start(a, "a-1", b, video: false);
        var (later, keepLater) = await OnlineAsync(b, "b-late");
        await using var ___ = keepLater;

        await SeesAsync(later, "b-late", c => c.CallId == call.CallId && c.Phase == CallPhase.Ringing, "the late device rings");
        var shown = later.LastCallFor("b-late")!;
        Assert.Equal(call.RingUntil, shown.RingUntil);
        Assert.True(shown.RingUntil > shown.ServerNow);
    }

    [Fact]
    public async Task Glare_two_calls_at_the_same_instant_make_one_call_that_connects()
    {
        // Several pairs, so both ways of the tie-break are taken.
        for (var round = 0; round < 4; round++)
        {
            var (a, b) = await fixture.NewContactsAsync();
            var (nodeA, keepA) = await OnlineAsync(a, "a-1");
            var (nodeB, keepB) = await OnlineAsync(b, "b-1");
            await using var _ = keepA;
            await using var __ = keepB;

            var both = await Task.WhenAll(
                NewCall(fixture.Grains).Start(a, "a-1", b, video: false),
                NewCall(fixture.Grains).Start(b, "b-1", a, video: false));

            await TestWait.UntilAsync(async () =>
                await User(a).GetCall() is { Phase: CallPhase.Connecting } ca && await User(b).GetCall() is { Phase: CallPhase.Connecting } cb && ca.CallId == cb.CallId,
                Patience, "both are in one call, connecting");
            var kept = (await User(a).GetCall())!;
            Assert.Contains(both, c => c.CallId == kept.CallId || c.MergedInto == kept.CallId);
            Assert.Equal("a-1", kept.Caller == a ? kept.CallerSession : kept.CalleeSession);
            Assert.Equal("b-1", kept.Caller == b ? kept.CallerSession : kept.CalleeSession);
            // The call that gave way says into which: in its answer when it never rang, or pushed to its caller when it did.
            var other = both.Single(c => c.CallId != kept.CallId);
            var node = other.Caller == a ? nodeA : nodeB;
            var session = other.Caller == a ? "a-1" : "b-1";
            await TestWait.UntilAsync(
                () => Task.FromResult((other.Outcome == CallOutcome.Merged && other.MergedInto == kept.CallId)
                    || node.Calls.Any(c => c.To.Contains(session) && c.Call.CallId == other.CallId && c.Call.Outcome == CallOutcome.Merged && c.Call.MergedInto == kept.CallId)),
                Patience, "the call that gave way says into which");
            Assert.Equal(0, await MissedCallsAsync(a, b) + await MissedCallsAsync(b, a));
        }
    }

    [Fact]
    public async Task Calling_back_a_contact_who_is_ringing_you_answers_their_call()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (_, keepA) = await OnlineAsync(a, "a-1");
        var (_, keepB) = await OnlineAsync(b, "b-1");
        await using var _ = keepA;
        await using var __ = keepB;

        var theirs = await NewCall(fixture.Grains).Start(a, "a-1", b, video: true);
        var mine = await NewCall(fixture.Grains).Start(b, "b-1", a, video: false);

        Assert.Equal((CallOutcome.Merged, theirs.CallId), (mine.Outcome, mine.MergedInto));
        var now = await Call(theirs.CallId).Get(b);
        Assert.Equal((CallPhase.Connecting, "b-1"), (now.Phase, now.CalleeSession));
    }

    [Fact]
    public async Task A_blocked_caller_rings_nowhere_and_sees_only_no_answer()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (nodeA, keepA) = await OnlineAsync(a, "a-1");
        var (nodeB, keepB) = await OnlineAsync(b, "b-1");
        await using var _ = keepA;
        await using var __ = keepB;
        await User(b).Block(a);
        // Silent, as with messages: to A it rings unanswered.
        var call = await NewCall(fixture.Grains).Start(a, "a-1", b, video: false);
        Assert.Equal(CallPhase.Ringing, call.Phase);
        ClusterFixture.CallTime.Advance(ClusterFixture.CallTimings.RingTimeout);
        await SeesAsync(nodeA, "a-1", c => c.CallId == call.CallId && c.Outcome == CallOutcome.Missed, "A sees no answer");

        Assert.DoesNotContain(nodeB.Calls, x => x.Call.Caller == a);
        Assert.Equal(0, await MissedCallsAsync(b, a));
    }

    [Fact]
    public async Task Only_the_two_act_on_a_call_and_signals_go_between_their_two_devices()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var stranger = Guid.NewGuid();
        var (nodeA, keepA) = await OnlineAsync(a, "a-1", "a-2");
        var (nodeB, keepB) = await OnlineAsync(b, "b-1", "b-2");
        await using var _ = keepA;
        await using var __ = keepB;

        var refused = await Assert.ThrowsAsync<CallRefusedException>(() => NewCall(fixture.Grains).Start(stranger, "s-1", b, video: false));
        Assert.Contains("only call your contacts", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(nodeB.Calls, x => x.Call.Caller == stranger);

        var call = await NewCall(fixture.Grains).Start(a, "a-1", b, video: false);
        await Assert.ThrowsAsync<CallRefusedException>(() => Call(call.CallId).Accept(stranger, "s-1"));
        await Assert.ThrowsAsync<CallRefusedException>(() => Call(call.CallId).Get(stranger));
        await Assert.ThrowsAsync<CallRefusedException>(() => Call(call.CallId).Signal("a-1", new CallSignal(call.CallId, a, "offer", "sdp")));
        await Assert.ThrowsAsync<CallRefusedException>(() => Call(Guid.NewGuid()).Accept(b, "b-1"));
        Assert.Equal(CallPhase.Ringing, (await Call(call.CallId).Get(a)).Phase);

        await Call(call.CallId).Accept(b, "b-2");
        await Call(call.CallId).Signal("a-1", new CallSignal(call.CallId, a, "offer", "sdp-offer"));
        await Call(call.CallId).Signal("b-2", new CallSignal(call.CallId, b, "answer", "sdp-answer"));
        await Assert.ThrowsAsync<CallRefusedException>(() => Call(call.CallId).Signal("a-2", new CallSignal(call.CallId, a, "candidate", "ice")));

        await TestWait.UntilAsync(() => Task.FromResult(nodeB.CallSignals.Any(s => s.Signal.Kind == "offer")), Patience, "B's answering device gets the offer");
        await TestWait.UntilAsync(() => Task.FromResult(nodeA.CallSignals.Any(s => s.Signal.Kind == "answer")), Patience, "A's calling device gets the answer");
        Assert.All(nodeB.CallSignals, s => Assert.Equal(["b-2"], s.To.ToArray()));
        Assert.All(nodeA.CallSignals, s => Assert.Equal(["a-1"], s.To.ToArray()));
        Assert.Single(nodeA.CallSignals);
        Assert.Equal("a-1", Assert.Single(nodeB.CallSignals).Signal.FromSession);
        Assert.Single(nodeB.CallSignals);

        // A second call from A while in this one is refused; A's in-call state is unchanged.
        var again = await Assert.ThrowsAsync<CallRefusedException>(() => NewCall(fixture.Grains).Start(a, "a-2", b, video: false));
        Assert.Contains("another call", again.Message, StringComparison.Ordinal);
        Assert.Equal(call.CallId, (await User(a).GetCall())?.CallId);
    }

    [Fact]
    public async Task A_device_in_the_call_that_goes_away_leaves_the_call_reconnecting_until_it_rejoins()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (nodeA, keepA) = await OnlineAsync(a, "a-1");
        var (_, keepB) = await OnlineAsync(b, "b-1");
        await using var _ = keepA;
        await using var __ = keepB;
        var call = await NewCall(fixture.Grains).Start(a, "a-1", b, video: false);
        await Call(call.CallId).Accept(b, "b-1");
        await Call(call.CallId).ReportConnected(a, "a-1");

        await User(b).Disconnect("b-1"); // the tab reloads
        await SeesAsync(nodeA, "a-1", c => c.Phase == CallPhase.Reconnecting, "A sees reconnecting, not ended");

        var (_, keepReloaded) = await OnlineAsync(b, "b-1-reloaded");
        await using var ___ = keepReloaded;
        await Call(call.CallId).Rejoin(b, "b-1-reloaded");
        var back = await Call(call.CallId).ReportConnected(b, "b-1-reloaded");
        Assert.Equal(CallPhase.Connected, back.Phase);
        await SeesAsync(nodeA, "a-1", c => c.Phase == CallPhase.Connected, "A sees it connected again");
    }
}
