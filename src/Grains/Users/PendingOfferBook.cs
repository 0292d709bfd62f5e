namespace Cybernet.Grains.Users;

/// <summary>
/// The pending offers in a user's state: set by count (idempotent), cleared on receipt or when a contact goes away.
/// Every change also marks the state's unseen events as behind until the grain has written them (<see cref="UserState.UnseenEventsBehind"/>).
/// </summary>
public static class PendingOfferBook
{
    public static string Key(Guid from, string kind) => $"{from:N}:{kind}";

    /// <summary>Returns true when the state changed.</summary>
    public static bool Set(UserState state, Guid from, string kind, int count, long bytes, DateTimeOffset now)
    {
        var offers = state.PendingOffers;
        var key = Key(from, kind);
        if (count <= 0)
        {
            return Changed(state, offers.Remove(key));
        }

        if (offers.TryGetValue(key, out var existing))
        {
            if (existing.Count == count && existing.Bytes == bytes)
            {
                return false;
            }

            offers[key] = existing with { Count = count, Bytes = bytes, Updated = now };
            return Changed(state, true);
        }

        offers[key] = new PendingOffer(from, kind, count, now, now) { Bytes = bytes };
        return Changed(state, true);
    }

    /// <summary>Drops everything <paramref name="from"/> holds for us (removed or blocked contact, or they withdrew it all).</summary>
    public static bool Forget(UserState state, Guid from)
    {
        var keys = state.PendingOffers.Where(o => o.Value.From == from).Select(o => o.Key).ToList();
        keys.ForEach(k => state.PendingOffers.Remove(k));
        return Changed(state, keys.Count > 0);
    }

    private static bool Changed(UserState state, bool changed)
    {
        state.UnseenEventsBehind |= changed;
        return changed;
    }
}
