namespace Cybernet.Grains.Interfaces.Offers;

/// <summary>Something a contact has waiting for this user in their browser (messages in an outbox, a file, a call): who, what kind, how many, since when. Never content.</summary>
[GenerateSerializer, Immutable, Alias("cybernet.pending-offer")]
public sealed record PendingOffer(
    [property: Id(0)] Guid From,
    [property: Id(1)] string Kind,
    [property: Id(2)] int Count,
    [property: Id(3)] DateTimeOffset Since,
    [property: Id(4)] DateTimeOffset Updated)
{
    /// <summary>Files only: their total size in bytes (names never reach the server).</summary>
    [Id(5)]
    public long Bytes { get; init; }
}

/// <summary>The kinds of pending offer; a new kind (files, calls) is one more entry here.</summary>
public static class OfferKinds
{
    public const string Message = "message";
    public const string File = "file";
    public const string Call = "call";

    public const int MaxCount = 100_000;

    /// <summary>The most bytes a pending file offer may announce (1 PiB): anything larger is a malformed report.</summary>
    public const long MaxBytes = 1L << 50;

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Message, File, Call };
}
