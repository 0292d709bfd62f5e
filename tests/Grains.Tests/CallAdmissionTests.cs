using Cybernet.Grains.Calls;

namespace Cybernet.Grains.Tests;

/// <summary>The users' side of every call decision, one case at a time: who may call whom, busy, glare, answering theirs, blocked, missed.</summary>
public sealed class CallAdmissionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly Guid me = Guid.NewGuid();
    private readonly Guid them = Guid.NewGuid();
    private readonly Guid third = Guid.NewGuid();

    private static CallUpdate Call(Guid caller, Guid callee, CallPhase phase = CallPhase.Ringing, Guid? id = null) =>
        new(id ?? Guid.NewGuid(), caller, callee, false, phase, CallOutcome.None, CallFailure.None, "caller-tab", null, T0, T0.AddMinutes(1), null, null, T0);

    private CallParty Me(bool accepted = true, bool blocked = false, CallUpdate? current = null, int sessions = 1) => new(me, accepted, blocked, current, sessions);

    [Fact]
    public void A_caller_may_call_an_accepted_contact_it_has_not_blocked_while_in_no_other_call()
    {
        var call = Call(me, them);
        Assert.Equal(CallerAnswer.Go, CallAdmission.ForCaller(call, Me()).Answer);
        Assert.Equal(CallerAnswer.NotAContact, CallAdmission.ForCaller(call, Me(accepted: false)).Answer);
        Assert.Equal(CallerAnswer.Blocked, CallAdmission.ForCaller(call, Me(blocked: true)).Answer);
        Assert.Equal(CallerAnswer.InAnotherCall, CallAdmission.ForCaller(call, Me(current: Call(me, third, CallPhase.Connected))).Answer);
        Assert.Equal(CallerAnswer.InAnotherCall, CallAdmission.ForCaller(call, Me(current: Call(third, me))).Answer);
        // The same call (a retried start) is not another call.
        Assert.Equal(CallerAnswer.Go, CallAdmission.ForCaller(call, Me(current: call)).Answer);
    }

    [Fact]
    public void Calling_back_someone_who_rings_me_answers_their_call()
    {
        var theirs = Call(them, me);
        var check = CallAdmission.ForCaller(Call(me, them), Me(current: theirs));
        Assert.Equal((CallerAnswer.AnswerTheirs, theirs.CallId), (check.Answer, check.Other));
        // Once theirs is answered it is not ringing: calling again is "in another call".
        Assert.Equal(CallerAnswer.InAnotherCall, CallAdmission.ForCaller(Call(me, them), Me(current: theirs with { Phase = CallPhase.Connected })).Answer);
    }

    [Fact]
    public void A_callee_rings_is_busy_withheld_or_not_available()
    {
        var call = Call(them, me);
        Assert.Equal(RingAnswer.Ringing, CallAdmission.ForCallee(call, Me()).Answer);
        Assert.Equal(RingAnswer.NotAvailable, CallAdmission.ForCallee(call, Me(sessions: 0)).Answer);
        Assert.Equal(RingAnswer.Withheld, CallAdmission.ForCallee(call, Me(blocked: true)).Answer);
        Assert.Equal(RingAnswer.Withheld, CallAdmission.ForCallee(call, Me(blocked: true, accepted: false)).Answer);
        Assert.Equal(RingAnswer.NotAContact, CallAdmission.ForCallee(call, Me(accepted: false)).Answer);
        Assert.Equal(RingAnswer.Busy, CallAdmission.ForCallee(call, Me(current: Call(me, third, CallPhase.Connected))).Answer);
        Assert.Equal(RingAnswer.Busy, CallAdmission.ForCallee(call, Me(current: Call(third, me))).Answer);
    }

    [Fact]
    public void Glare_the_lower_call_id_holds_on_both_sides()
    {
        var low = Guid.Parse("00000000-0000-0000-0000-000000000001");
        var high = Guid.Parse("ffffffff-0000-0000-0000-000000000000");

        // My call (high) rings them; theirs (low) arrives: mine gives way to theirs.
        var mine = Call(me, them, id: high);
        var ring = CallAdmission.ForCallee(Call(them, me, id: low), Me(current: mine));
        Assert.Equal((RingAnswer.Answered, high, "caller-tab"), (ring.Answer, ring.Other, ring.AnsweredBy));

        // My call (low) rings them; theirs (high) arrives: theirs gives way to mine.
        var lowMine = Call(me, them, id: low);
        var gives = CallAdmission.ForCallee(Call(them, me, id: high), Me(current: lowMine));
        Assert.Equal((RingAnswer.GiveWay, low), (gives.Answer, gives.Other));

        // We two have a call under way already: a new one from them joins it.
        var under = Call(me, them, CallPhase.Connecting);
        Assert.Equal((RingAnswer.GiveWay, under.CallId), (CallAdmission.ForCallee(Call(them, me), Me(current: under)).Answer, CallAdmission.ForCallee(Call(them, me), Me(current: under)).Other));
    }

    [Fact]
    public void A_claim_to_resume_a_forgotten_call_needs_a_contact_and_no_other_call()
    {
        var call = Call(them, me, CallPhase.Reconnecting);
        Assert.Equal(CallerAnswer.Go, CallAdmission.ForResume(call, Me(sessions: 0)).Answer);
        Assert.Equal(CallerAnswer.Go, CallAdmission.ForResume(call, Me(current: call)).Answer);
        Assert.Equal(CallerAnswer.NotAContact, CallAdmission.ForResume(call, Me(accepted: false)).Answer);
        Assert.Equal(CallerAnswer.Blocked, CallAdmission.ForResume(call, Me(blocked: true)).Answer);
        Assert.Equal(CallerAnswer.InAnotherCall, CallAdmission.ForResume(call, Me(current: Call(third, me, CallPhase.Connected))).Answer);
    }

    [Fact]
    public void Only_the_callee_of_an_unanswered_call_from_a_contact_it_has_not_blocked_gets_a_missed_call()
    {
        var missed = Call(them, me) with { Phase = CallPhase.Ended, Outcome = CallOutcome.Missed, EndedAt = T0 };
        Assert.True(CallAdmission.CountsAsMissed(missed, Me()));
        Assert.True(CallAdmission.CountsAsMissed(missed with { Outcome = CallOutcome.Busy }, Me()));
        Assert.True(CallAdmission.CountsAsMissed(missed with { Outcome = CallOutcome.NotAvailable }, Me()));
        Assert.True(CallAdmission.CountsAsMissed(missed with { Outcome = CallOutcome.Cancelled }, Me()));
        Assert.False(CallAdmission.CountsAsMissed(missed with { Outcome = CallOutcome.Declined }, Me()));
        Assert.False(CallAdmission.CountsAsMissed(missed with { Outcome = CallOutcome.Merged }, Me()));
        Assert.False(CallAdmission.CountsAsMissed(missed, Me(blocked: true)));
        Assert.False(CallAdmission.CountsAsMissed(missed, Me(accepted: false)));
        Assert.False(CallAdmission.CountsAsMissed(Call(me, them) with { Phase = CallPhase.Ended, Outcome = CallOutcome.Missed }, Me()));

        // A withheld call's ending never reaches the devices of the one who blocked; the caller's own always does.
        Assert.False(CallAdmission.ShownToDevices(missed, Me(blocked: true), isCurrent: false));
        Assert.True(CallAdmission.ShownToDevices(missed, Me(), isCurrent: false));
        Assert.True(CallAdmission.ShownToDevices(Call(me, them) with { Phase = CallPhase.Ended, Outcome = CallOutcome.Missed }, Me(), isCurrent: false));
    }
}
