namespace Cybernet.Grains.Users;

/// <summary>Pending offers: counts of what contacts hold for this user while it is offline.</summary>
public sealed partial class UserGrain
{
    public async Task<SignalOutcome> SetPendingOffer(Guid from, string kind, int count, long bytes)
    {
        if (state.State.Blocked.Contains(from))
        {
            return SignalOutcome.Withheld;
        }

        if (!IsAccepted(from))
        {
            return SignalOutcome.NotAContact;
        }

        if (PendingOfferBook.Set(state.State.PendingOffers, from, kind, Math.Min(count, OfferKinds.MaxCount), Math.Clamp(bytes, 0, OfferKinds.MaxBytes), Now))
        {
            await SaveAndTellSessionsAsync();
        }

        return sessions.Count > 0 ? SignalOutcome.Delivered : SignalOutcome.RecipientOffline;
    }

    public async Task ClearPendingOffers(Guid from, string kind)
    {
        if (PendingOfferBook.Set(state.State.PendingOffers, from, kind, 0, 0, Now))
        {
            await SaveAndTellSessionsAsync();
        }
    }
}
