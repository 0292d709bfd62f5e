using Microsoft.AspNetCore.SignalR;

namespace Cybernet.Web.Signaling;

/// <summary>
/// Calls: each method checks its input, then asks the call's grain, which decides who may do what and when
/// (a refusal comes back as a readable error; the connection stays up and the call is unchanged).
/// </summary>
public sealed partial class SessionHub
{
    /// <summary>Calls a contact, audio only or with video. Every online device of theirs rings; or the call ends at once (busy, not available).</summary>
    public async Task<CallDto> StartCall(Guid to, bool video)
    {
        Required(to);
        if (!CallRules.TryAttempt(Me))
        {
            throw new HubException("Too many calls in a short time: wait a moment and try again.");
        }

        return CallDto.From(await Call(Guid.NewGuid()).Start(Me, Context.ConnectionId, to, video));
    }

    /// <summary>This device answers; the first device to answer takes the call.</summary>
    public async Task<CallDto> AnswerCall(Guid callId) => CallDto.From(await Call(callId).Accept(Me, Context.ConnectionId));

    public async Task<CallDto> DeclineCall(Guid callId) => CallDto.From(await Call(callId).Decline(Me, Context.ConnectionId));

    public async Task<CallDto> HangUp(Guid callId) => CallDto.From(await Call(callId).HangUp(Me, Context.ConnectionId));

    /// <summary>This device's media connection: "connected", "reconnecting", or "failed" with a reason (never-connected, connection-lost, media-refused).</summary>
    public async Task<CallDto> ReportCall(Guid callId, string? state, string? reason)
    {
        var call = Call(callId);
        return CallDto.From(state switch
        {
            "connected" => await call.ReportConnected(Me, Context.ConnectionId),
            "reconnecting" => await call.ReportReconnecting(Me, Context.ConnectionId),
            "failed" when reason is not null && CallRules.Failures.TryGetValue(reason, out var failure) =>
                await call.ReportFailed(Me, Context.ConnectionId, failure),
            "failed" => throw new HubException($"Say why the call failed: one of {string.Join(", ", CallRules.Failures.Keys)}."),
            _ => throw new HubException("A call state is connected, reconnecting or failed."),
        });
    }

    /// <summary>A reloaded tab takes its place again in a call under way.</summary>
    public async Task<CallDto> RejoinCall(Guid callId) => CallDto.From(await Call(callId).Rejoin(Me, Context.ConnectionId));

    /// <summary>
    /// This device is still linked to the other side of a call the server forgot (its silo died): the call is made again
    /// from what the device says, if the two users' grains agree; the other side's device then says the same.
    /// </summary>
    public async Task<CallDto> ResumeCall(CallClaimDto? claim)
    {
        if (claim is null || claim.CallId == Guid.Empty || claim.Caller == Guid.Empty || claim.Callee == Guid.Empty)
        {
            throw new HubException("Say which call to resume: its id, caller and callee.");
        }

        return CallDto.From(await Call(claim.CallId).Resume(Me, Context.ConnectionId, new CallClaim(claim.CallId, claim.Caller, claim.Callee, claim.Video, claim.ConnectedAt)));
    }

    /// <summary>The call this user is in, if any.</summary>
    public async Task<CallDto?> GetCall() => await MyGrain.GetCall() is { } call ? CallDto.From(call) : null;

    /// <summary>
    /// SDP or ICE to the other device of a call under way; while it rings, between the caller's device and a ringing
    /// device of the callee (the caller names it: <c>toSession</c>). Never stored or logged.
    /// </summary>
    public async Task SendCallSignal(CallSignalDto? signal)
    {
        if (signal is null)
        {
            throw new HubException("A call signal is required.");
        }

        if (CallRules.SignalProblem(signal.Kind, signal.Payload, signal.ToSession) is { } problem)
        {
            throw new HubException(problem);
        }

        if (!SignalRateLimiter.TryTake(Context.Items))
        {
            throw new HubException("Too many signals: slow down and try again in a moment.");
        }

        await Call(signal.CallId).Signal(Context.ConnectionId, new CallSignal(signal.CallId, Me, signal.Kind!, signal.Payload!) { ToSession = signal.ToSession });
    }

    private ICallGrain Call(Guid callId) =>
        grains.Call(callId == Guid.Empty ? throw new HubException("A call id is required.") : callId);
}
