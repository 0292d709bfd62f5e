using Cybernet.Grains.Calls;

namespace Cybernet.Grains.Tests;

/// <summary>
/// Every transition of a call's state machine, and every act refused where it makes no sense: a refused act throws and
/// leaves the record exactly as it was.
/// </summary>
public sealed class CallMachineTests
{
    private static readonly CallOptions Timings = new();
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly Guid caller = Guid.NewGuid();
    private readonly Guid callee = Guid.NewGuid();
    private readonly Guid stranger = Guid.NewGuid();

    private CallMachine Ringing()
    {
        var machine = new CallMachine(new CallRecord(), Timings);
        machine.Start(Guid.NewGuid(), caller, "caller-tab", callee, video: true, T0);
        machine.Rang(new RingResult(RingAnswer.Ringing), T0);
        return machine;
    }

    private CallMachine Connecting()
    {
        var machine = Ringing();
        machine.Accept(callee, "callee-phone", T0.AddSeconds(5));
        return machine;
    }

    private CallMachine Connected()
    {
        var machine = Connecting();
        machine.ReportConnected(callee, "callee-phone", T0.AddSeconds(6));
        return machine;
    }

    private CallMachine Reconnecting()
    {
        var machine = Connected();
        machine.ReportReconnecting(caller, "caller-tab", T0.AddSeconds(100));
        return machine;
    }

    private CallMachine Ended()
    {
        var machine = Connected();
        machine.HangUp(caller, "caller-tab", T0.AddSeconds(200));
        return machine;
    }

    /// <summary>Asserts the act is refused with a message containing <paramref name="says"/>, and nothing changed.</summary>
    private static void Refused(CallMachine machine, Action act, string says)
    {
        var before = machine.View(T0);
        var error = Assert.Throws<CallRefusedException>(act);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, machine.View(T0));
    }

    [Fact]
    public void A_call_starts_ringing_with_its_timeout_by_the_server_clock()
    {
        var machine = Ringing();
        var view = machine.View(T0);
        Assert.Equal(CallPhase.Ringing, view.Phase);
        Assert.Equal(T0 + Timings.RingTimeout, view.RingUntil);
        Assert.True(view.Video);
        Assert.True(machine.Record.CalleeReached);
        Refused(machine, () => machine.Start(Guid.NewGuid(), caller, "x", callee, false, T0), "placed already");
        var fresh = new CallMachine(new CallRecord(), Timings);
        Refused(fresh, () => fresh.Start(Guid.NewGuid(), caller, "x", caller, false, T0), "yourself");
    }

    [Fact]
    public void Ringing_then_answered_then_connected_then_hung_up_is_completed()
    {
        var machine = Connecting();
        Assert.Equal(CallPhase.Connecting, machine.Record.Phase);
        Assert.Equal("callee-phone", machine.Record.CalleeSession);
        Assert.Equal(T0.AddSeconds(5) + Timings.ConnectTimeout, machine.Record.Deadline);

        machine.ReportConnected(caller, "caller-tab", T0.AddSeconds(6));
        Assert.Equal(CallPhase.Connected, machine.Record.Phase);
        Assert.Equal(T0.AddSeconds(6), machine.Record.ConnectedAt);
        Assert.Null(machine.Record.Deadline);

        machine.HangUp(callee, "callee-phone", T0.AddSeconds(60));
        Assert.Equal((CallPhase.Ended, CallOutcome.Completed, callee), (machine.Record.Phase, machine.Record.Outcome, machine.Record.EndedBy));
        Assert.False(machine.IsMissedByCallee);
    }

    [Fact]
    public void Only_the_callee_answers_and_only_once()
    {
        var machine = Ringing();
        Refused(machine, () => machine.Accept(caller, "caller-tab", T0), "the other side answers");
        Refused(machine, () => machine.Accept(stranger, "x", T0), "not your call");
        machine.Accept(callee, "callee-phone", T0);
        Refused(machine, () => machine.Accept(callee, "callee-laptop", T0), "answered on another device");
        Refused(machine, () => machine.Accept(callee, "callee-phone", T0), "answered this call already");
    }

    [Fact]
    public void A_decline_ends_it_and_only_the_callee_declines_while_it_rings()
    {
        var machine = Ringing();
        Refused(machine, () => machine.Decline(caller, T0), "hang up to cancel");
        Refused(machine, () => machine.Decline(stranger, T0), "not your call");
        machine.Decline(callee, T0.AddSeconds(3));
        Assert.Equal((CallPhase.Ended, CallOutcome.Declined, callee), (machine.Record.Phase, machine.Record.Outcome, machine.Record.EndedBy));
        Assert.False(machine.IsMissedByCallee);

        var answered = Connecting();
        Refused(answered, () => answered.Decline(callee, T0), "answered already");
    }

    [Fact]
    public void The_caller_hanging_up_while_it_rings_cancels_it_and_the_callee_missed_it()
    {
        var machine = Ringing();
        machine.HangUp(caller, "caller-laptop", T0.AddSeconds(2));
        Assert.Equal(CallOutcome.Cancelled, machine.Record.Outcome);
        Assert.True(machine.IsMissedByCallee);
    }

    [Fact]
    public void The_callee_hanging_up_while_it_rings_declines()
    {
        var machine = Ringing();
        machine.HangUp(callee, "callee-laptop", T0);
        Assert.Equal(CallOutcome.Declined, machine.Record.Outcome);
    }

    [Fact]
    public void Hanging_up_before_the_two_connected_cancels()
    {
        var machine = Connecting();
        machine.HangUp(callee, "callee-phone", T0.AddSeconds(7));
        Assert.Equal(CallOutcome.Cancelled, machine.Record.Outcome);
        Assert.False(machine.IsMissedByCallee);
    }

    [Fact]
    public void Acts_of_a_call_under_way_come_from_the_device_in_it()
    {
        var machine = Connected();
        Refused(machine, () => machine.ReportReconnecting(caller, "caller-phone", T0), "another of your devices");
        Refused(machine, () => machine.SignalTarget(callee, "callee-laptop"), "another of your devices");
        Refused(machine, () => machine.HangUp(stranger, "callee-phone", T0), "not your call");
        Assert.Equal((callee, "callee-phone"), machine.SignalTarget(caller, "caller-tab"));
        Assert.Equal((caller, "caller-tab"), machine.SignalTarget(callee, "callee-phone"));
        // The link the caller made to a device that rang but did not answer is refused, not delivered to the one that did.
        Refused(machine, () => machine.SignalTarget(caller, "caller-tab", "callee-laptop"), "answered on another device");
        Assert.Equal((callee, "callee-phone"), machine.SignalTarget(caller, "caller-tab", "callee-phone"));
    }

    [Fact]
    public void While_it_rings_the_callers_device_and_each_ringing_device_may_connect_ahead_of_an_answer()
    {
        var machine = Ringing();
        Assert.Equal((caller, "caller-tab"), machine.SignalTarget(callee, "callee-phone"));
        Assert.Equal((caller, "caller-tab"), machine.SignalTarget(callee, "callee-laptop"));
        Assert.Equal((callee, "callee-laptop"), machine.SignalTarget(caller, "caller-tab", "callee-laptop"));
        Refused(machine, () => machine.SignalTarget(caller, "caller-phone", "callee-laptop"), "another of your devices");
        Refused(machine, () => machine.SignalTarget(stranger, "stranger-tab", "callee-laptop"), "not your call");
        Assert.Equal(CallPhase.Ringing, machine.Record.Phase);
    }

    [Fact]
    public void A_ringing_call_refuses_what_needs_a_call_under_way()
    {
        var machine = Ringing();
        Refused(machine, () => machine.ReportConnected(caller, "caller-tab", T0), "still rings");
        Refused(machine, () => machine.ReportReconnecting(caller, "caller-tab", T0), "still rings");
        Refused(machine, () => machine.Rejoin(caller, "caller-new-tab", T0), "still rings");
        Refused(machine, () => machine.SignalTarget(caller, "caller-tab"), "still rings");
    }

    [Fact]
    public void Connected_goes_reconnecting_and_back_without_ending()
    {
        var machine = Reconnecting();
        Assert.Equal(CallPhase.Reconnecting, machine.Record.Phase);
        Assert.Equal(T0.AddSeconds(100) + Timings.ReconnectWindow, machine.Record.Deadline);

        // The other side reporting in changes nothing while this one is down.
        machine.ReportConnected(callee, "callee-phone", T0.AddSeconds(101));
        Assert.Equal(CallPhase.Reconnecting, machine.Record.Phase);

        machine.ReportConnected(caller, "caller-tab", T0.AddSeconds(105));
        Assert.Equal(CallPhase.Connected, machine.Record.Phase);
        Assert.Null(machine.Record.Deadline);
        Assert.Equal(T0.AddSeconds(6), machine.Record.ConnectedAt);
    }

    [Fact]
    public void Deadlines_end_the_call_each_with_its_outcome()
    {
        var ringing = Ringing();
        Assert.False(ringing.Expire(T0 + Timings.RingTimeout - TimeSpan.FromMilliseconds(1)));
        Assert.True(ringing.Expire(T0 + Timings.RingTimeout));
        Assert.Equal(CallOutcome.Missed, ringing.Record.Outcome);
        Assert.True(ringing.IsMissedByCallee);

        var connecting = Connecting();
        Assert.False(connecting.Expire(T0.AddSeconds(5) + Timings.ConnectTimeout - TimeSpan.FromSeconds(1)));
        Assert.True(connecting.Expire(T0.AddSeconds(5) + Timings.ConnectTimeout));
        Assert.Equal((CallOutcome.Failed, CallFailure.NeverConnected), (connecting.Record.Outcome, connecting.Record.Failure));

        var reconnecting = Reconnecting();
        Assert.True(reconnecting.Expire(T0.AddSeconds(100) + Timings.ReconnectWindow));
        Assert.Equal((CallOutcome.Failed, CallFailure.ConnectionLost), (reconnecting.Record.Outcome, reconnecting.Record.Failure));

        var connected = Connected();
        Assert.False(connected.Expire(T0.AddDays(1)));
        Assert.False(Ended().Expire(T0.AddDays(1)));
    }

    [Fact]
    public void Media_refused_ends_it_as_failed_from_either_side()
    {
        // The callee's device could not open its camera before answering: any of its devices may say so while it rings.
        var ringing = Ringing();
        ringing.ReportFailed(callee, "callee-laptop", CallFailure.MediaRefused, T0);
        Assert.Equal((CallOutcome.Failed, CallFailure.MediaRefused, callee), (ringing.Record.Outcome, ringing.Record.Failure, ringing.Record.EndedBy));

        var connecting = Connecting();
        Refused(connecting, () => connecting.ReportFailed(caller, "caller-tab", CallFailure.None, T0), "Say why");
        Refused(connecting, () => connecting.ReportFailed(caller, "caller-tab", (CallFailure)42, T0), "Say why");
        connecting.ReportFailed(caller, "caller-tab", CallFailure.MediaRefused, T0);
        Assert.Equal(CallFailure.MediaRefused, connecting.Record.Failure);
    }

    [Fact]
    public void A_reloaded_tab_rejoins_and_the_call_waits_for_it()
    {
        var machine = Connected();
        Assert.True(machine.SessionGone(callee, "callee-phone", T0.AddSeconds(30)));
        Assert.Equal(CallPhase.Reconnecting, machine.Record.Phase);
        Assert.False(machine.SessionGone(callee, "callee-laptop", T0.AddSeconds(30)));
        Assert.False(machine.SessionGone(stranger, "callee-phone", T0.AddSeconds(30)));

        machine.Rejoin(callee, "callee-phone-reloaded", T0.AddSeconds(32));
        Assert.Equal("callee-phone-reloaded", machine.Record.CalleeSession);
        Assert.Equal(CallPhase.Reconnecting, machine.Record.Phase);
        Refused(machine, () => machine.ReportConnected(callee, "callee-phone", T0), "another of your devices");
        machine.ReportConnected(callee, "callee-phone-reloaded", T0.AddSeconds(34));
        Assert.Equal(CallPhase.Connected, machine.Record.Phase);
        Refused(machine, () => machine.Rejoin(stranger, "x", T0), "not your call");
    }

    [Fact]
    public void The_callers_tab_closing_while_it_rings_cancels_it()
    {
        var machine = Ringing();
        Assert.False(machine.SessionGone(caller, "caller-other-tab", T0));
        Assert.True(machine.SessionGone(caller, "caller-tab", T0.AddSeconds(1)));
        Assert.Equal(CallOutcome.Cancelled, machine.Record.Outcome);
    }

    [Fact]
    public void The_rings_answer_ends_it_at_once_or_leaves_it_ringing()
    {
        CallMachine After(RingAnswer answer, Guid? other = null, string? by = null)
        {
            var machine = new CallMachine(new CallRecord(), Timings);
            machine.Start(Guid.NewGuid(), caller, "caller-tab", callee, video: false, T0);
            machine.Rang(new RingResult(answer, other, by), T0);
            return machine;
        }

        Assert.Equal(CallOutcome.Busy, After(RingAnswer.Busy).Record.Outcome);
        Assert.True(After(RingAnswer.Busy).IsMissedByCallee);
        Assert.Equal(CallOutcome.NotAvailable, After(RingAnswer.NotAvailable).Record.Outcome);
        Assert.True(After(RingAnswer.NotAvailable).IsMissedByCallee);

        // Blocked: to the caller it just rings; the callee's grain hears nothing more of it.
        var withheld = After(RingAnswer.Withheld);
        Assert.Equal(CallPhase.Ringing, withheld.Record.Phase);
        Assert.False(withheld.Record.CalleeReached);
        // Nothing rang, so no device of the callee connects ahead of an answer.
        Refused(withheld, () => withheld.SignalTarget(callee, "callee-phone"), "did not ring for you");
        Assert.True(withheld.Expire(T0 + Timings.RingTimeout));
        Assert.False(withheld.IsMissedByCallee);

        var other = Guid.NewGuid();
        var gaveWay = After(RingAnswer.GiveWay, other);
        Assert.Equal((CallOutcome.Merged, other), (gaveWay.Record.Outcome, gaveWay.Record.MergedInto));

        var answered = After(RingAnswer.Answered, by: "callee-tab-that-called");
        Assert.Equal((CallPhase.Connecting, "callee-tab-that-called"), (answered.Record.Phase, answered.Record.CalleeSession));
    }

    [Fact]
    public void An_ended_call_refuses_everything()
    {
        var machine = Ended();
        Refused(machine, () => machine.Accept(callee, "callee-phone", T0), "has ended");
        Refused(machine, () => machine.Decline(callee, T0), "has ended");
        Refused(machine, () => machine.HangUp(caller, "caller-tab", T0), "has ended");
        Refused(machine, () => machine.ReportConnected(caller, "caller-tab", T0), "has ended");
        Refused(machine, () => machine.ReportReconnecting(caller, "caller-tab", T0), "has ended");
        Refused(machine, () => machine.ReportFailed(caller, "caller-tab", CallFailure.ConnectionLost, T0), "has ended");
        Refused(machine, () => machine.Rejoin(caller, "caller-tab", T0), "has ended");
        Refused(machine, () => machine.SignalTarget(caller, "caller-tab"), "has ended");
        Assert.False(machine.SessionGone(caller, "caller-tab", T0));
        Assert.False(machine.GiveWay(Guid.NewGuid(), T0));

        var unknown = new CallMachine(new CallRecord(), Timings);
        Refused(unknown, () => unknown.Accept(callee, "x", T0), "no such call");
        Assert.False(unknown.Expire(T0.AddDays(1)));
        Assert.False(unknown.HasDeadline);
    }

    [Fact]
    public void A_device_that_shows_answered_on_another_device_can_end_the_call_or_take_it_over()
    {
        var ended = Connected();
        ended.HangUp(callee, "callee-laptop", T0.AddSeconds(30));
        Assert.Equal((CallOutcome.Completed, callee), (ended.Record.Outcome, ended.Record.EndedBy));

        var taken = Connected();
        taken.Rejoin(callee, "callee-laptop", T0.AddSeconds(30));
        Assert.Equal((CallPhase.Reconnecting, "callee-laptop"), (taken.Record.Phase, taken.Record.CalleeSession));
        Refused(taken, () => taken.ReportConnected(callee, "callee-phone", T0.AddSeconds(31)), "another of your devices");
        taken.ReportConnected(callee, "callee-laptop", T0.AddSeconds(32));
        Assert.Equal(CallPhase.Connected, taken.Record.Phase);
    }

    [Fact]
    public void A_repeated_report_changes_nothing_and_says_so()
    {
        var machine = Connected();
        Assert.False(machine.ReportConnected(callee, "callee-phone", T0.AddSeconds(7)));
        Assert.True(machine.ReportReconnecting(caller, "caller-tab", T0.AddSeconds(8)));
        Assert.False(machine.ReportReconnecting(caller, "caller-tab", T0.AddSeconds(9)));
        Assert.True(machine.ReportConnected(caller, "caller-tab", T0.AddSeconds(10)));
        Assert.Equal(CallPhase.Connected, machine.Record.Phase);
    }

    [Fact]
    public void A_forgotten_call_is_made_again_from_the_first_claim_and_connected_by_the_second()
    {
        var callId = Guid.NewGuid();
        var claim = new CallClaim(callId, caller, callee, true, T0);
        var machine = new CallMachine(new CallRecord(), Timings);
        machine.Resume(callee, "callee-phone", claim, T0.AddSeconds(100));
        Assert.Equal((CallPhase.Reconnecting, "", "callee-phone"), (machine.Record.Phase, machine.Record.CallerSession, machine.Record.CalleeSession));
        Assert.Equal(T0, machine.Record.ConnectedAt);
        Assert.Equal(T0.AddSeconds(100) + Timings.ReconnectWindow, machine.Record.Deadline);
        Refused(machine, () => machine.SignalTarget(callee, "callee-phone"), "has not come back");
        Refused(machine, () => machine.Resume(caller, "caller-tab", claim with { Callee = stranger }, T0.AddSeconds(101)), "not your call");
        Refused(machine, () => machine.Resume(stranger, "s", claim, T0.AddSeconds(101)), "not your call");

        machine.Resume(caller, "caller-tab", claim, T0.AddSeconds(101));
        Assert.Equal((CallPhase.Connected, "caller-tab"), (machine.Record.Phase, machine.Record.CallerSession));
        Assert.Null(machine.Record.Deadline);

        // Nobody comes back: the call ends by its reconnect deadline, as a lost connection.
        var lonely = new CallMachine(new CallRecord(), Timings);
        lonely.Resume(caller, "caller-tab", claim, T0);
        Assert.True(lonely.Expire(T0 + Timings.ReconnectWindow));
        Assert.Equal((CallOutcome.Failed, CallFailure.ConnectionLost), (lonely.Record.Outcome, lonely.Record.Failure));
    }

    [Fact]
    public void A_claim_on_a_call_that_still_rings_counts_only_from_the_callee_and_answers_it()
    {
        var machine = Ringing();
        var claim = new CallClaim(machine.Record.CallId, caller, callee, true, null);
        Refused(machine, () => machine.Resume(caller, "caller-tab", claim, T0.AddSeconds(1)), "cannot be resumed by its caller");
        Refused(machine, () => machine.Resume(callee, "callee-phone", claim with { Caller = callee }, T0.AddSeconds(1)), "cannot call yourself");
        machine.Resume(callee, "callee-phone", claim, T0.AddSeconds(2));
        Assert.Equal((CallPhase.Connected, "callee-phone"), (machine.Record.Phase, machine.Record.CalleeSession));
    }

    [Fact]
    public void A_claim_on_an_ended_call_is_refused()
    {
        var machine = Ended();
        Refused(machine, () => machine.Resume(caller, "caller-tab", new CallClaim(machine.Record.CallId, caller, callee, true, T0), T0.AddSeconds(300)), "has ended");
    }
}
