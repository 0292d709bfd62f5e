namespace Cybernet.Web.Digests;

/// <summary>
/// How a digest words each kind of unseen event. A new kind of event (files, calls) plugs in with one line here
/// and one entry in <see cref="OfferKinds"/>.
/// </summary>
public static class UnseenEventKinds
{
    private static readonly Dictionary<string, (string One, string Many)> Phrases = new(StringComparer.Ordinal)
    {
        [OfferKinds.Message] = ("1 message waiting for you", "{0} messages waiting for you"),
        [OfferKinds.File] = ("1 file offered to you", "{0} files offered to you"),
        [OfferKinds.Call] = ("1 missed call", "{0} missed calls"),
    };

    public static string Describe(string kind, int count) => Phrases.TryGetValue(kind, out var phrase)
        ? string.Format(System.Globalization.CultureInfo.InvariantCulture, count == 1 ? phrase.One : phrase.Many, count)
        : $"{count} new";
}
