using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using Orleans.Runtime;
using Orleans.Storage;

namespace Cybernet.Grains.Calls;

/// <summary>
/// One call, the one owner of its state: its <see cref="CallMachine"/>, and the two users' grains told of each change.
/// Durable is only what must outlive a silo: while the call rings, its record (saved once) and a reminder stored in
/// PostgreSQL, so that a ring whose silo died still ends as missed and the callee still gets the missed call. The answer
/// drops both: an answered call lives in memory, its media never touched the server, and if its silo dies its devices
/// make it again from what they hold (<see cref="Resume"/>). A grain timer looks at the deadlines every second while one
/// is pending; once the ending is told to both users' grains, the call is forgotten. The record is read from storage
/// only by an activation that did not start the call (after a silo's death, or woken by the reminder): a call's id is
/// new when it starts (the hub makes it), so its start reads nothing.
/// </summary>
public sealed partial class CallGrain(
    IOptions<CallOptions> options,
    CallClock clock,
    ILogger<CallGrain> logger) : Grain, ICallGrain, IRemindable
{
    private const string RingReminder = "call";
    private const string StateName = "call";
    private static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(1);

    private readonly CallOptions settings = options.Value;
    private CallMachine machine = null!;
    private IGrainTimer? watch;
    private IGrainReminder? ringReminder;
    private IGrainStorage storage = null!;

    /// <summary>The record as last read or written, with the storage's version tag.</summary>
    private readonly GrainState<CallRecord> saved = new(new CallRecord());

    /// <summary>This activation knows whether a record is stored: it read it, or it started the call.</summary>
    private bool loaded;

    /// <summary>The record and the ring's reminder are in storage (from the start of the ring until it ends or is answered).</summary>
    private bool durable;

    private Guid Id => this.GetPrimaryKey();

    private DateTimeOffset Now => clock.Now;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>("calls");
        machine = new CallMachine(new CallRecord(), settings);
        return Task.CompletedTask;
    }

    /// <summary>Reads the ring's record, once per activation, unless this activation started the call.</summary>
    private async Task LoadAsync()
    {
        if (loaded)
        {
            return;
        }

        await storage.ReadStateAsync(StateName, this.GetGrainId(), saved);
        loaded = true;
        durable = saved is { RecordExists: true, State: { Placed: true } };
        if (durable)
        {
            machine = new CallMachine(saved.State!, settings);
            Watch();
        }
    }

    public async Task<CallUpdate> Start(Guid caller, string session, Guid callee, bool video)
    {
        // A new call (its id is made for this start): nothing of it can be stored yet.
        loaded = true;
        machine.Start(Id, caller, session, callee, video, Now);
        var check = await User(caller).BeginCall(machine.View(Now));
        switch (check.Answer)
        {
            case CallerAnswer.Go:
                break;
            case CallerAnswer.AnswerTheirs:
                // They are ringing me: answering their call is what both want. This call never existed.
                var theirs = await GrainFactory.Call(check.Other!.Value).Accept(caller, session);
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
            // Saved as reached before the ring: if the silo dies before the answer comes back, the callee still hears how
            // it ended (its grain decides whether that counts as a missed call). The ring does not wait for the two
            // writes (a few milliseconds of PostgreSQL); the call answers once both are done.
            machine.Record.CalleeReached = true;
            var saving = SaveRingAsync();
            var ringing = User(callee).Ring(machine.View(Now));
            await Task.WhenAll(saving, ringing);
            var ring = await ringing;
            machine.Rang(ring, Now);
            if (ring is { Answer: RingAnswer.GiveWay, Other: { } other })
            {
                // We called each other at once and theirs holds: the device that placed this call answers theirs. Not
                // awaited (that call may be busy ringing us); if our grain answered it first, the refusal is dropped.
                GrainFactory.Call(other).Accept(caller, session).Ignore();
            }
        }
        catch (Exception error) when (error is not CallRefusedException)
        {
            // The callee could not be rung: the caller is not left in a call that exists nowhere.
            LogCallNotPlaced(error, Id);
            machine.Record.CalleeReached = false;
            if (!machine.IsEnded)
            {
                machine.Record.Phase = CallPhase.Ended;
                machine.Record.Outcome = CallOutcome.NotAvailable;
                machine.Record.EndedAt = Now;
            }
        }

        return await ChangedAsync();
    }

    public Task<CallUpdate> Accept(Guid user, string session) => ActAsync(user, () => machine.Accept(user, session, Now));

    public Task<CallUpdate> Decline(Guid user, string session) => ActAsync(user, () => machine.Decline(user, Now));

    public Task<CallUpdate> HangUp(Guid user, string session) => ActAsync(user, () => machine.HangUp(user, session, Now));

    public Task<CallUpdate> ReportConnected(Guid user, string session) => ActAsync(user, () => machine.ReportConnected(user, session, Now));

    public Task<CallUpdate> ReportReconnecting(Guid user, string session) => ActAsync(user, () => machine.ReportReconnecting(user, session, Now));

    public Task<CallUpdate> ReportFailed(Guid user, string session, CallFailure failure) =>
        ActAsync(user, () => machine.ReportFailed(user, session, failure, Now));

    public Task<CallUpdate> Rejoin(Guid user, string session) => ActAsync(user, () => machine.Rejoin(user, session, Now));

    public async Task<CallUpdate> Resume(Guid user, string session, CallClaim claim)
    {
        if (claim.CallId != Id)
        {
            throw new CallRefusedException("This claim is for another call.");
        }

        await LoadAsync();
        await ExpireAsync();
        if (!machine.Record.Placed)
        {
            // Made again from a claim: only between two contacts, and only if the claimant is in no other call.
            var probe = new CallMachine(new CallRecord(), settings);
            probe.Resume(user, session, claim, Now);
            var check = await User(user).RejoinCall(probe.View(Now));
            if (check.Answer != CallerAnswer.Go)
            {
                throw new CallRefusedException(check.Answer == CallerAnswer.InAnotherCall ? "You are in another call." : "You can only call your contacts.");
            }

            LogCallResumed(Id);
        }

        return await ActAsync(user, () => machine.Resume(user, session, claim, Now));
    }

    public async Task Signal(string session, CallSignal signal)
    {
        await LoadAsync();
        await ExpireAsync();
        NoteForgotten(signal.FromUser);
        var (to, toSession) = machine.SignalTarget(signal.FromUser, session, signal.ToSession);
        await User(to).DeliverCallSignal(toSession, signal with { CallId = Id, FromSession = session });
    }

    public async Task<CallUpdate> Get(Guid user)
    {
        await LoadAsync();
        await ExpireAsync();
        if (!machine.Record.Placed || (machine.IsEnded && machine.Record.Reported))
        {
            NoteForgotten(user);
            throw new CallRefusedException("This call has ended.");
        }

        machine.RequireParty(user);
        return machine.View(Now);
    }

    public async Task SessionGone(Guid user, string session)
    {
        await LoadAsync();
        NoteForgotten(user);
        if (machine.SessionGone(user, session, Now))
        {
            await ChangedAsync();
        }
    }

    public async Task GiveWay(Guid other)
    {
        await LoadAsync();
        if (machine.GiveWay(other, Now))
        {
            await ChangedAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await LoadAsync();
        if (!machine.Record.Placed || machine.Record.Reported || !durable)
        {
            // Forgotten, answered, or told already: nothing more to wake for.
            await DropDurableAsync();
            await DropReminderAsync();
            return;
        }

        await ExpireAsync();
        if (machine.IsEnded)
        {
            await ReportEndAsync();
        }
    }

    /// <summary>
    /// Does <paramref name="act"/> (which may refuse), then saves and tells what changed. An act that changed nothing (a
    /// device repeating "connected" as a heartbeat) is answered with the call as it is, telling nobody.
    /// </summary>
    private Task<CallUpdate> ActAsync(Guid user, Action act) => ActAsync(user, () =>
    {
        act();
        return true;
    });

    private async Task<CallUpdate> ActAsync(Guid user, Func<bool> act)
    {
        await LoadAsync();
        await ExpireAsync();
        NoteForgotten(user);
        return act() ? await ChangedAsync() : machine.View(Now);
    }

    /// <summary>
    /// An act on a call this grain holds nothing of (forgotten after its end, or its silo died): the actor's grain, if it
    /// still counts its user in this call, hears that it is not. Only the actor's own: nobody can end another's call.
    /// </summary>
    private void NoteForgotten(Guid user)
    {
        if (!machine.Record.Placed && user != Guid.Empty)
        {
            User(user).OnCallForgotten(Id, Now.ToUnixTimeMilliseconds() * 1000).Ignore();
        }
    }

    /// <summary>Ends the call if a deadline passed while nobody looked (the timer is a second coarse; after a restart, longer).</summary>
    private async Task ExpireAsync()
    {
        if (machine.Expire(Now))
        {
            await ChangedAsync();
        }
        else if (machine.IsEnded && machine.Record.Placed && !machine.Record.Reported)
        {
            // An ending not yet told to both (telling failed): try again.
            await ReportEndAsync();
        }
    }

    /// <summary>
    /// Tells both users' grains of the change. Nothing is written while the call lives, but for the answer, which drops
    /// what the ring kept in storage; an ending is told first and then forgotten.
    /// </summary>
    private async Task<CallUpdate> ChangedAsync()
    {
        machine.Record.Version = Math.Max(machine.Record.Version + 1, Now.ToUnixTimeMilliseconds() * 1000);
        var view = machine.View(Now);
        Watch();
        if (machine.IsEnded)
        {
            await ReportEndAsync();
            return view;
        }

        if (machine.Record.Phase != CallPhase.Ringing)
        {
            // Answered: from here the call lives in memory.
            await DropDurableAsync();
        }

        try
        {
            await Task.WhenAll(Parties().Select(u => User(u).OnCallChanged(view)));
        }
        catch (Exception error)
        {
            // The users' grains catch up with the next change, and their devices ask when they reconnect.
            LogChangeNotTold(error, Id);
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
            // Told again by the timer while this activation lives; after a silo's death, by the ring's reminder, which
            // needs the ending saved (a ring that ended otherwise must not turn into a missed one).
            LogEndNotReported(error, Id);
            if (durable)
            {
                saved.State = machine.Record;
                await storage.WriteStateAsync(StateName, this.GetGrainId(), saved);
            }

            Watch();
            return;
        }

        machine.Record.Reported = true;
        await DropDurableAsync();
        machine = new CallMachine(new CallRecord(), settings);
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

    /// <summary>The ring's two writes: its record, and the reminder that wakes the call on another silo to end it as missed.</summary>
    private async Task SaveRingAsync()
    {
        saved.State = machine.Record;
        await storage.WriteStateAsync(StateName, this.GetGrainId(), saved);
        durable = true;
        ringReminder = await this.RegisterOrUpdateReminder(RingReminder, settings.RingTimeout, settings.Backstop);
    }

    /// <summary>
    /// Forgets the ring's record, then its reminder (in that order: a reminder that finds no record drops itself, a record
    /// with no reminder would stay behind).
    /// </summary>
    private async Task DropDurableAsync()
    {
        if (!durable)
        {
            return;
        }

        await storage.ClearStateAsync(StateName, this.GetGrainId(), saved);
        durable = false;
        await DropReminderAsync();
    }

    private async Task DropReminderAsync()
    {
        // The handle this activation registered, or after a restart the stored one.
        if ((ringReminder ?? await this.GetReminder(RingReminder)) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        ringReminder = null;
    }

    private void Watch()
    {
        var pending = machine.HasDeadline || (machine.IsEnded && machine.Record.Placed && !machine.Record.Reported);
        if (pending)
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
        machine = new CallMachine(new CallRecord(), settings);
        DeactivateOnIdle();
    }

    private IUserGrain User(Guid id) => GrainFactory.User(id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} could not ring its callee; it ends as not available")]
    private partial void LogCallNotPlaced(Exception exception, Guid callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A change of call {CallId} could not be told to both users")]
    private partial void LogChangeNotTold(Exception exception, Guid callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The end of call {CallId} could not be told to both users; trying again")]
    private partial void LogEndNotReported(Exception exception, Guid callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} was made again from a device's claim (its grain had forgotten it)")]
    private partial void LogCallResumed(Guid callId);
}
