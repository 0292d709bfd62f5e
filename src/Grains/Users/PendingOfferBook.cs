
namespace Cybernet.Grains.Users;

/// <summary>The pending offers in a user's state: set by count (idempotent), cleared on receipt or when a contact goes away.</summary>
public static class PendingOfferBook
{
    public static string Key(Guid from, string kind) => $"{from:N}:{kind}";

    /// <summary>Returns true when the state changed.</summary>
    public static bool Set(Dictionary<string, PendingOffer> offers, Guid from, string kind, int count, long bytes, DateTimeOffset now)
    {
        var key = Key(from, kind);
        if (count <= 0)
        {
            return offers.Remove(key);
        }

        if (offers.TryGetValue(key, out var existing))
        {
            if (existing.Count == count && existing.Bytes == bytes)
            {
                return false;
            }

            offers[key] = existing with { Count = count, Bytes = bytes, Updated = now };
            return true;
        }

        offers[key] = new PendingOffer(from, kind, count, now, now) { Bytes = bytes };
        return true;
    }

    /// <summary>Drops everything <paramref name="from"/> holds for us (removed or blocked contact).</summary>
    public static bool Forget(Dictionary<string, PendingOffer> offers, Guid from)
    {
        var keys = offers.Where(o => o.Value.From == from).Select(o => o.Key).ToList();
        keys.ForEach(k => offers.Remove(k));
        return keys.Count > 0;
    }
}
