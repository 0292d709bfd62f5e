using Orleans.Runtime;

using Xunit.Abstractions;

namespace Cybernet.Grains.Tests;

/// <summary>
/// What a call writes, counted by the storage and reminder providers the silo runs on (each write there is one write
/// to PostgreSQL in production): only the ring is durable; an answered call lives in memory, and when its grain forgets
/// it (a silo died) its devices make it again. A missed call counts once, however often its end is reported.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CallDurabilityTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private IUserGrain User(Guid id) => fixture.Grains.GetGrain<IUserGrain>(id);

    private ICallGrain Call(Guid id) => fixture.Grains.GetGrain<ICallGrain>(id);

    private Task<(RecordingObserver Node, Renewer Keep)> OnlineAsync(Guid user, params string[] sessions) => fixture.OnlineAsync(user, sessions);

    private static Task SeesAsync(RecordingObserver node, string session, Func<CallUpdate, bool> what, string description) =>
        ClusterFixture.SeesAsync(node, session, what, description);

    private Task<int> MissedCallsAsync(Guid user, Guid from) => fixture.MissedCallsAsync(user, from);

    /// <summary>Every write a call can cause: the call's state and reminders, both users' state and reminders, and their unseen events.</summary>
    private int Writes(Guid callId, Guid a, Guid b)
    {
        var call = Call(callId).GetGrainId();
        var (ua, ub) = (User(a).GetGrainId(), User(b).GetGrainId());
        return (ClusterFixture.CallStorage?.WritesOf(call) ?? 0) + ClusterFixture.Reminders.WritesOf(call)
            + (ClusterFixture.UserStorage?.WritesOf(ua) ?? 0) + (ClusterFixture.UserStorage?.WritesOf(ub) ?? 0)
            + ClusterFixture.Reminders.WritesOf(ua) + ClusterFixture.Reminders.WritesOf(ub)
            + ClusterFixture.UnseenEvents.WritesOf(a) + ClusterFixture.UnseenEvents.WritesOf(b);
    }

    private static void LeavesNothingBehind(Guid callId, IGrainFactory grains)
    {
        var call = grains.GetGrain<ICallGrain>(callId).GetGrainId();
        Assert.False(ClusterFixture.CallStorage!.Holds(call), "the call's record is gone");
        Assert.Empty(ClusterFixture.Reminders.RemindersOf(call));
    }

    [Fact]
    public async Task An_answered_call_writes_at_most_4_times_a_missed_one_at_most_6_and_reports_write_nothing()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (nodeA, keepA) = await OnlineAsync(a, "a-1");
        var (nodeB, keepB) = await OnlineAsync(b, "b-1", "b-2");
        await using var _ = keepA;
        await using var __ = keepB;

        // Answered: start, answer, reports both ways (a network change too), hang up.
        var callId = Guid.NewGuid();
        var before = Writes(callId, a, b);
        await Call(callId).Start(a, "a-1", b, video: true);
        var ringing = Writes(callId, a, b) - before;
        await Call(callId).Accept(b, "b-2");
        var answered = Writes(callId, a, b) - before;
        await Call(callId).ReportConnected(a, "a-1");
        await Call(callId).ReportConnected(b, "b-2");
        await Call(callId).ReportReconnecting(a, "a-1");
        await Call(callId).ReportConnected(a, "a-1");
        await Call(callId).ReportConnected(a, "a-1");
        var reports = Writes(callId, a, b) - before - answered;
        await Call(callId).HangUp(b, "b-2");
        await SeesAsync(nodeA, "a-1", c => c.CallId == callId && c.Outcome == CallOutcome.Completed, "the caller sees it completed");
        await SeesAsync(nodeB, "b-1", c => c.CallId == callId && c.Phase == CallPhase.Ended, "the callee's other device sees it ended");
        var total = Writes(callId, a, b) - before;
        output.WriteLine($"answered call: {ringing} writes to ring, {answered} by the answer, {reports} for 5 reports, {total} in all");
        Assert.Equal(0, reports);
        Assert.True(total <= 4, $"an answered call wrote {total} times");
        LeavesNothingBehind(callId, fixture.Grains);
        Assert.Null(await User(a).GetCall());
        Assert.Null(await User(b).GetCall());

        // Missed: start, the ring times out, the callee gets one missed call (and its unseen event for the digest).
        var missedId = Guid.NewGuid();
        before = Writes(missedId, a, b);
        await Call(missedId).Start(a, "a-1", b, video: false);
        ClusterFixture.CallTime.Advance(ClusterFixture.CallTimings.RingTimeout);
        await SeesAsync(nodeA, "a-1", c => c.CallId == missedId && c.Outcome == CallOutcome.Missed, "the caller sees no answer");
        await TestWait.UntilAsync(() => Task.FromResult(ClusterFixture.UnseenEvents.OpenOf(b).GetValueOrDefault((a, OfferKinds.Call)) == 1), Patience, "the missed call is an unseen event");
        await TestWait.UntilAsync(() => Task.FromResult(!ClusterFixture.CallStorage!.Holds(Call(missedId).GetGrainId()) && ClusterFixture.Reminders.RemindersOf(Call(missedId).GetGrainId()).Count == 0), Patience, "the ring's record and reminder are gone");
        var missed = Writes(missedId, a, b) - before;
        output.WriteLine($"missed call: {missed} writes in all");
        Assert.True(missed <= 6, $"a missed call wrote {missed} times");
        Assert.Equal(1, await MissedCallsAsync(b, a));
    }

    [Fact]
    public async Task A_missed_call_reported_twice_counts_once()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (_, keepB) = await OnlineAsync(b, "b-1");
        await using var _ = keepB;

        // The end of one missed call reported twice (its grain's reminder retrying after a failed report): one missed call.
        var at = ClusterFixture.CallTime.GetUtcNow();
        var ended = new CallUpdate(Guid.NewGuid(), a, b, false, CallPhase.Ended, CallOutcome.Missed, CallFailure.None, "a-1", null, at, at, null, at, at);
        await User(b).OnCallChanged(ended);
        await User(b).OnCallChanged(ended);
        Assert.Equal(1, await MissedCallsAsync(b, a));

        // Through the grain: the callee's unseen events refuse the first write, so the end is reported again; still one more.
        var (nodeA, keepA) = await OnlineAsync(a, "a-1");
        await using var __ = keepA;
        var callId = Guid.NewGuid();
        await Call(callId).Start(a, "a-1", b, video: false);
        ClusterFixture.UnseenEvents.Fail(b);
        await Call(callId).HangUp(a, "a-1");
        await TestWait.UntilAsync(() => Task.FromResult(ClusterFixture.UnseenEvents.OpenOf(b).GetValueOrDefault((a, OfferKinds.Call)) == 2), Patience, "the second missed call reaches the unseen events once retried");
        await TestWait.UntilAsync(() => Task.FromResult(ClusterFixture.Reminders.RemindersOf(Call(callId).GetGrainId()).Count == 0), Patience, "the ring's reminder is dropped once both heard");
        Assert.Equal(2, await MissedCallsAsync(b, a));
        await SeesAsync(nodeA, "a-1", c => c.CallId == callId && c.Outcome == CallOutcome.Cancelled, "the caller sees it cancelled");
    }

    [Fact]
    public async Task A_forgotten_answered_call_is_made_again_by_its_devices_and_ends_on_both_sides()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (nodeA, keepA) = await OnlineAsync(a, "a-1");
        var (nodeB, keepB) = await OnlineAsync(b, "b-1");
        await using var _ = keepA;
        await using var __ = keepB;
        var callId = Guid.NewGuid();
        await Call(callId).Start(a, "a-1", b, video: true);
        await Call(callId).Accept(b, "b-1");
        var connected = await Call(callId).ReportConnected(a, "a-1");

        // Every idle activation goes, as if their silo died: the answered call was in memory only. (Versions follow the
        // clock across activations; a silo's death takes seconds to notice.)
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        ClusterFixture.CallTime.Advance(TimeSpan.FromSeconds(1));
        var gone = await Assert.ThrowsAsync<CallRefusedException>(() => Call(callId).ReportConnected(a, "a-1"));
        Assert.Contains("no such call", gone.Message, StringComparison.Ordinal);

        // A stranger cannot make it again, nor anyone claim a call between two others.
        var claim = new CallClaim(callId, a, b, true, connected.ConnectedAt);
        await Assert.ThrowsAsync<CallRefusedException>(() => Call(callId).Resume(Guid.NewGuid(), "s-1", claim));
        await Assert.ThrowsAsync<CallRefusedException>(() => Call(callId).Resume(a, "a-1", claim with { CallId = Guid.NewGuid() }));

        // The web node renews its sessions with the users' new activations.
        await TestWait.UntilAsync(async () => (await User(a).GetPresence()).Devices == 1 && (await User(b).GetPresence()).Devices == 1, Patience, "both users' sessions are back");

        // A's device still linked to B's says which call it is in: it is made again, waiting for B's device.
        var resumed = await Call(callId).Resume(a, "a-1", claim);
        Assert.Equal((CallPhase.Reconnecting, "a-1", ""), (resumed.Phase, resumed.CallerSession, resumed.CalleeSession));
        await SeesAsync(nodeB, "b-1", c => c.CallId == callId && c.CalleeSession == "", "B's device hears the call waits for it");
        // B's device, had it missed that push, hears it from its next report (a heartbeat) instead.
        var waits = await Assert.ThrowsAsync<CallRefusedException>(() => Call(callId).ReportConnected(b, "b-1"));
        Assert.Contains("waits for your device", waits.Message, StringComparison.Ordinal);
        var both = await Call(callId).Resume(b, "b-1", claim);
        Assert.Equal((CallPhase.Connected, "b-1"), (both.Phase, both.CalleeSession));
        Assert.True(both.Version > connected.Version, "versions keep growing across the grain's forgetting");
        Assert.Equal(callId, (await User(b).GetCall())?.CallId);

        // Hanging up afterwards ends it on both sides.
        await Call(callId).HangUp(b, "b-1");
        await SeesAsync(nodeA, "a-1", c => c.CallId == callId && c.Outcome == CallOutcome.Completed, "A sees it completed");
        Assert.Null(await User(a).GetCall());
        Assert.Null(await User(b).GetCall());
        Assert.Equal(0, await MissedCallsAsync(b, a));
    }

    [Fact]
    public async Task A_forgotten_call_nobody_comes_back_to_leaves_nobody_busy()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var (_, keepA) = await OnlineAsync(a, "a-1");
        var (nodeB, keepB) = await OnlineAsync(b, "b-1");
        await using var _ = keepA;
        await using var __ = keepB;
        var callId = Guid.NewGuid();
        await Call(callId).Start(a, "a-1", b, video: false);
        await Call(callId).Accept(b, "b-1");
        await Call(callId).ReportConnected(b, "b-1");
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // Nobody claims the call. B's tab closes: its grain learns the call is forgotten, and B is free.
        await User(b).Disconnect("b-1");
        var (later, keepLater) = await OnlineAsync(b, "b-2");
        await using var ___ = keepLater;
        await TestWait.UntilAsync(async () => await User(b).GetCall() is null, Patience, "B is in no call");
        await TestWait.UntilAsync(async () => await User(a).GetCall() is null, Patience, "A is in no call");
        var next = await Call(Guid.NewGuid()).Start(a, "a-1", b, video: false);
        Assert.Equal(CallPhase.Ringing, next.Phase);
        await SeesAsync(later, "b-2", c => c.CallId == next.CallId && c.Phase == CallPhase.Ringing, "the next call rings B");
    }
}
