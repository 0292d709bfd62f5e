using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using Orleans.Runtime;

namespace Cybernet.Grains.Calls;

/// <summary>
/// One call: its <see cref="CallMachine"/>, saved after every change (so its deadlines outlive a silo), and the two
/// users' grains told of each change. A grain timer looks at the deadlines every second while one is pending; a
/// reminder stored in PostgreSQL does the same after a silo restart, and keeps telling the users' grains of the ending
/// until both heard it. Then the call is forgotten.
/// </summary>
public sealed partial class CallGrain(
    [PersistentState("call", "calls")] IPersistentState<CallRecord> state,
    IOptions<CallOptions> options,
    CallClock clock,
    ILogger<CallGrain> logger) : Grain, ICallGrain, IRemindable
{
    private const string Backstop = "call";
    private static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(1);

    private readonly CallOptions settings = options.Value;
    private CallMachine machine = null!;
    private IGrainTimer? watch;
    private IGrainReminder? backstop;

    private Guid Id => this.GetPrimaryKey();

    private DateTimeOffset Now => clock.Now;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        machine = new CallMachine(state.State, settings);
        Watch();
        return Task.CompletedTask;
    }

    public async Task<CallUpdate> Start(Guid caller, string session, Guid callee, bool video)
    {
        machine.Start(Id, caller, session, callee, video, Now);
        var check = await User(caller).BeginCall(machine.View(Now));
        switch (check.Answer)
        {
            case CallerAnswer.Go:
                break;
            case CallerAnswer.AnswerTheirs:
                // They are ringing me: answering their call is what both want. This call never existed.
                var theirs = await GrainFactory.GetGrain<ICallGrain>(check.Other!.Value).Accept(caller, session);
                var merged = machine.View(Now) with { Phase = CallPhase.Ended, Outcome = CallOutcome.Merged, MergedInto = theirs.CallId };
                Forget();
                return merged;
            default:
                Forget();
                throw new CallRefusedException(check.Answer switch
                {
                    CallerAnswer.InAnotherCall => "You are in another call: hang up first.",
                    CallerAnswer.Blocked => "You blocked this person: unblock them to call.",
                    _ => "You can only call your contacts.",
                });
        }

        try
        {
            await state.WriteStateAsync();
            backstop = await this.RegisterOrUpdateReminder(Backstop, settings.RingTimeout, settings.Backstop);
            var ring = await User(callee).Ring(machine.View(Now));
            machine.Rang(ring, Now);
            if (ring is { Answer: RingAnswer.GiveWay, Other: { } other })
            {
                // We called each other at once and theirs holds: the device that placed this call answers theirs. Not
                // awaited (that call may be busy ringing us); if our grain answered it first, the refusal is dropped.
                GrainFactory.GetGrain<ICallGrain>(other).Accept(caller, session).Ignore();
            }
        }
        catch (Exception error) when (error is not CallRefusedException)
        {
            // The callee could not be rung: the caller is not left in a call that exists nowhere.
            LogCallNotPlaced(error, Id);
            if (!machine.IsEnded)
            {
                machine.Record.Phase = CallPhase.Ended;
                machine.Record.Outcome = CallOutcome.NotAvailable;
                machine.Record.EndedAt = Now;
            }
        }

        return await ChangedAsync();
    }

    public Task<CallUpdate> Accept(Guid user, string session) => ActAsync(() => machine.Accept(user, session, Now));

    public Task<CallUpdate> Decline(Guid user, string session) => ActAsync(() => machine.Decline(user, Now));

    public Task<CallUpdate> HangUp(Guid user, string session) => ActAsync(() => machine.HangUp(user, session, Now));

    public Task<CallUpdate> ReportConnected(Guid user, string session) => ActAsync(() => machine.ReportConnected(user, session, Now));

    public Task<CallUpdate> ReportReconnecting(Guid user, string session) => ActAsync(() => machine.ReportReconnecting(user, session, Now));

    public Task<CallUpdate> ReportFailed(Guid user, string session, CallFailure failure) =>
        ActAsync(() => machine.ReportFailed(user, session, failure, Now));

    public Task<CallUpdate> Rejoin(Guid user, string session) => ActAsync(() => machine.Rejoin(user, session, Now));

    public async Task Signal(string session, CallSignal signal)
    {
        await ExpireAsync();
        var (to, toSession) = machine.SignalTarget(signal.FromUser, session, signal.ToSession);
        await User(to).DeliverCallSignal(toSession, signal with { CallId = Id, FromSession = session });
    }

    public async Task<CallUpdate> Get(Guid user)
    {
        await ExpireAsync();
        if (!machine.Record.Placed || (machine.IsEnded && machine.Record.Reported))
        {
            throw new CallRefusedException("This call has ended.");
        }

        machine.RequireParty(user);
        return machine.View(Now);
    }

    public async Task SessionGone(Guid user, string session)
    {
        if (machine.SessionGone(user, session, Now))
        {
            await ChangedAsync();
        }
    }

    public async Task GiveWay(Guid other)
    {
        if (machine.GiveWay(other, Now))
        {
            await ChangedAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!machine.Record.Placed || machine.Record.Reported)
        {
            // Forgotten, or told already: nothing more to wake for.
            await DropBackstopAsync();
            return;
        }

        await ExpireAsync();
        if (machine.IsEnded)
        {
            await ReportEndAsync();
        }
    }

    private async Task<CallUpdate> ActAsync(Action act)
    {
        await ExpireAsync();
        act();
        return await ChangedAsync();
    }

    /// <summary>Ends the call if a deadline passed while nobody looked (the timer is a second coarse; after a restart, longer).</summary>
    private async Task ExpireAsync()
    {
        if (machine.Expire(Now))
        {
            await ChangedAsync();
        }
    }

    /// <summary>
    /// Saves the change and tells both users' grains. An ending is told first and then forgotten, with no write in
    /// between; only when telling fails is the ending saved, for the reminder to tell it again.
    /// </summary>
    private async Task<CallUpdate> ChangedAsync()
    {
        machine.Record.Version++;
        var view = machine.View(Now);
        Watch();
        if (machine.IsEnded)
        {
            await ReportEndAsync();
        }
        else
        {
            await state.WriteStateAsync();
            try
            {
                await Task.WhenAll(Parties().Select(u => User(u).OnCallChanged(view)));
            }
            catch (Exception error)
            {
                // Saved here; the users' copies catch up with the next change, and their devices ask when they reconnect.
                LogChangeNotTold(error, Id);
            }
        }

        return view;
    }

    private async Task ReportEndAsync()
    {
        var view = machine.View(Now);
        try
        {
            await Task.WhenAll(Parties().Select(u => User(u).OnCallChanged(view)));
        }
        catch (Exception error)
        {
            // The reminder tells them again; until then the call is kept.
            LogEndNotReported(error, Id);
            await state.WriteStateAsync();
            return;
        }

        machine.Record.Reported = true;
        await DropBackstopAsync();
        await state.ClearStateAsync();
        machine = new CallMachine(state.State, settings);
        // Kept for what the two learn from a late act ("this call has ended") until the activation is collected as idle;
        // after that a late act hears there is no such call.
        machine.Record.CallId = Id;
        machine.Record.Phase = CallPhase.Ended;
        machine.Record.Reported = true;
        Watch();
    }

    /// <summary>The users whose grains hear of the call: the caller always, the callee once it was reached.</summary>
    private IEnumerable<Guid> Parties()
    {
        yield return machine.Record.Caller;
        if (machine.Record.CalleeReached)
        {
            yield return machine.Record.Callee;
        }
    }

    private async Task DropBackstopAsync()
    {
        // The handle this activation registered, or after a restart the stored one.
        if ((backstop ?? await this.GetReminder(Backstop)) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        backstop = null;
    }

    private void Watch()
    {
        if (machine.HasDeadline)
        {
            watch ??= this.RegisterGrainTimer(_ => ExpireAsync(), new GrainTimerCreationOptions(LookEvery, LookEvery) { KeepAlive = true });
        }
        else
        {
            watch?.Dispose();
            watch = null;
        }
    }

    /// <summary>A call that never rang anyone leaves nothing behind.</summary>
    private void Forget()
    {
        state.State = new CallRecord();
        machine = new CallMachine(state.State, settings);
        DeactivateOnIdle();
    }

    private IUserGrain User(Guid id) => GrainFactory.GetGrain<IUserGrain>(id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} could not ring its callee; it ends as not available")]
    private partial void LogCallNotPlaced(Exception exception, Guid callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A change of call {CallId} could not be told to both users")]
    private partial void LogChangeNotTold(Exception exception, Guid callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The end of call {CallId} could not be told to both users; the reminder tries again")]
    private partial void LogEndNotReported(Exception exception, Guid callId);
}
