using System.Security.Claims;

using Cybernet.Web.Presence;

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Cybernet.Web.Signaling;

/// <summary>
/// One connection per browser session: presence, the contact book, and signals to contacts.
/// Every user mistake comes back as a <see cref="HubException"/> with a readable message; the connection stays up.
/// </summary>
[Authorize]
public sealed partial class SessionHub(
    SessionRegistry registry, ContactDirectory directory, IceServers ice, IGrainFactory grains)
    : Hub<ISessionClient>
{
    private Guid Me => Guid.Parse(Context.User!.FindFirstValue(ClaimTypes.NameIdentifier)!);

    private IUserGrain MyGrain => grains.User(Me);

    public override async Task OnConnectedAsync()
    {
        // A new tab counts as active until it reports otherwise.
        await registry.ConnectAsync(Me, Context.ConnectionId, active: true);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        SignalRateLimiter.Release(Context.Items);
        await registry.DisconnectAsync(Me, Context.ConnectionId);
    }

    /// <summary>The ICE servers this deployment offers, TURN with credentials signed for this user and short-lived.</summary>
    public IceConfigDto GetIceServers() => ice.For(Me);

    /// <summary>This session's id, as other sessions address it in signals.</summary>
    public string WhoAmI() => Context.ConnectionId;

    public async Task<ContactListDto> GetContacts() =>
        await directory.DescribeAsync(Me, await MyGrain.GetContacts(), Context.ConnectionAborted);

    public async Task SetActive(bool active) => await MyGrain.SetActive(Context.ConnectionId, active);

    public async Task<string> RequestContact(string? userName)
    {
        var normalized = UserNameRules.Normalize(userName ?? "");
        if (!UserNameRules.IsValid(normalized))
        {
            throw new HubException($"That is not a valid username: {UserNameRules.Description}");
        }

        var target = await directory.FindUserIdAsync(normalized, Context.ConnectionAborted)
            ?? throw new HubException($"No one is called @{normalized}.");
        if (target == Me)
        {
            throw new HubException("That is you. Ask someone else.");
        }

        await MyGrain.RequestContact(target);
        return $"Request sent to @{normalized}.";
    }

    public Task AcceptContact(Guid userId) => MyGrain.AcceptContact(Required(userId));

    public Task DeclineContact(Guid userId) => MyGrain.DeclineContact(Required(userId));

    /// <summary>Ends a contact; the grains of both drop what each held for the other, unseen events included.</summary>
    public Task RemoveContact(Guid userId) => MyGrain.RemoveContact(Required(userId));

    /// <summary>Blocks silently; as with removing, nothing between the two is left to tell in a digest.</summary>
    public Task BlockUser(Guid userId) => MyGrain.Block(Required(userId));

    public Task UnblockUser(Guid userId) => MyGrain.Unblock(Required(userId));

    /// <summary>Relays a WebRTC signal to a contact's sessions (or to one of my own other sessions). The payload is never stored or logged.</summary>
    public async Task<SignalResultDto> SendSignal(SignalDto? signal)
    {
        if (SignalRules.Problem(signal) is { } problem)
        {
            throw new HubException(problem);
        }

        if (!SignalRateLimiter.TryTake(Context.Items))
        {
            throw new HubException("Too many signals: slow down and try again in a moment.");
        }

        var relayed = new RelayedSignal(Me, Context.ConnectionId, signal!.ToSession, signal.Kind!, signal.Payload!);
        var outcome = await grains.User(signal.To!.Value).DeliverSignal(relayed);
        return outcome == SignalOutcome.NotAContact
            ? throw new HubException("You can only signal your contacts.")
            : new SignalResultDto(outcome);
    }

    /// <summary>
    /// Tells a contact how many messages wait for them in this browser (files: <see cref="SetPendingFiles"/>; missed calls
    /// are the call grain's to record);
    /// 0 withdraws. The count replaces the previous one, so retries never double it.
    /// </summary>
    public async Task<SignalResultDto> SetPending(Guid to, string? kind, int count)
    {
        if (kind == OfferKinds.Call)
        {
            throw new HubException("Missed calls are recorded by the server when a call ends; they are not reported.");
        }

        if (!OfferKinds.All.Contains(kind ?? ""))
        {
            throw new HubException($"Unknown pending kind; expected one of: {string.Join(", ", OfferKinds.All)}.");
        }

        if (count is < 0 or > OfferKinds.MaxCount)
        {
            throw new HubException($"A pending count is between 0 and {OfferKinds.MaxCount}.");
        }

        return await SetPendingAsync(to, kind!, count, 0);
    }

    /// <summary>
    /// Tells a contact (or my own other devices) how many files wait for them in this browser and their total size;
    /// never names. 0 withdraws. Replaces the previous report.
    /// </summary>
    public async Task<SignalResultDto> SetPendingFiles(Guid to, int count, long bytes)
    {
        if (count is < 0 or > OfferKinds.MaxCount)
        {
            throw new HubException($"A pending count is between 0 and {OfferKinds.MaxCount}.");
        }

        if (bytes < 0 || bytes > OfferKinds.MaxBytes || (count == 0 && bytes != 0))
        {
            throw new HubException("The total size of pending files is out of range.");
        }

        return await SetPendingAsync(to, OfferKinds.File, count, bytes);
    }

    private async Task<SignalResultDto> SetPendingAsync(Guid to, string kind, int count, long bytes)
    {
        if (Required(to) == Me)
        {
            // My own other devices: nothing to record (no digest for what I left myself), they see it on connecting.
            return new SignalResultDto(SignalOutcome.Delivered);
        }

        var outcome = await grains.User(to).SetPendingOffer(Me, kind, count, bytes);
        switch (outcome)
        {
            case SignalOutcome.NotAContact:
                throw new HubException("You can only leave things for your contacts.");
            case SignalOutcome.Withheld:
                // Blocked: silently, as if the contact were offline; nothing recorded, no email.
                return new SignalResultDto(SignalOutcome.RecipientOffline);
            default:
                // The contact's grain records it for the digest too (count set, not added: a retry changes nothing).
                return new SignalResultDto(outcome);
        }
    }

    /// <summary>This session has received what <paramref name="from"/> held for us.</summary>
    public async Task ClearPending(Guid from, string? kind)
    {
        if (!OfferKinds.All.Contains(kind ?? ""))
        {
            throw new HubException("Unknown pending kind.");
        }

        if (Required(from) == Me)
        {
            // Something from my own other device: nothing was recorded for it (see SetPendingAsync).
            return;
        }

        // The grain closes the unseen event with the offer.
        await MyGrain.ClearPendingOffers(from, kind!);
    }

    private static Guid Required(Guid userId) =>
        userId == Guid.Empty ? throw new HubException("A user id is required.") : userId;
}
