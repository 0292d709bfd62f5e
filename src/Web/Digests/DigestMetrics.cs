using System.Diagnostics.Metrics;

namespace Cybernet.Web.Digests;

/// <summary>Counters of the digest pipeline (System.Diagnostics.Metrics, meter "Cybernet.Digests").</summary>
public sealed class DigestMetrics : IDisposable
{
    public const string MeterName = "Cybernet.Digests";

    private readonly Meter meter;

    public DigestMetrics(IMeterFactory meters)
    {
        meter = meters.Create(MeterName);
        Sent = meter.CreateCounter<long>("cybernet.digests.sent", description: "Digest emails the SMTP server accepted.");
        InDoubt = meter.CreateCounter<long>("cybernet.digests.in_doubt",
            description: "Digests whose pass died between the SMTP send and its commit: perhaps sent, never sent again.");
    }

    public Counter<long> Sent { get; }

    public Counter<long> InDoubt { get; }

    public void Dispose() => meter.Dispose();
}
