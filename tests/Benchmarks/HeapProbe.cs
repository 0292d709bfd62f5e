using System.Diagnostics.Tracing;

using Cybernet.Testing;

using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Cybernet.Benchmarks;

/// <summary>
/// What a running .NET process holds after a full blocking GC, asked over its diagnostics port as dotnet-gcdump asks
/// it: a session with the GC-heap-collect keyword makes the runtime collect, and the heap statistics that follow give
/// the managed heap's size. The resident set is read from /proc right after.
/// </summary>
public static class HeapProbe
{
    public readonly record struct Footprint(long Resident, long Heap)
    {
        public static Footprint operator +(Footprint a, Footprint b) => new(a.Resident + b.Resident, a.Heap + b.Heap);

        public static Footprint operator -(Footprint a, Footprint b) => new(a.Resident - b.Resident, a.Heap - b.Heap);
    }

    public static async Task<Footprint> AfterFullGcAsync(int pid)
    {
        var client = new DiagnosticsClient(pid);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = await client.StartEventPipeSessionAsync(
            [new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Informational, keywords)], requestRundown: false, token: CancellationToken.None);
        using var source = new EventPipeEventSource(session.EventStream);
        var heap = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fullGcStarted = false;
        source.Clr.GCStart += e => fullGcStarted |= e.Depth == 2;
        source.Clr.GCHeapStats += e =>
        {
            if (fullGcStarted)
            {
                heap.TrySetResult(e.TotalHeapSize);
            }
        };
        var reading = Task.Run(source.Process);
        var size = await heap.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var resident = NodeProcess.ResidentBytesOf(pid);
        await session.StopAsync(CancellationToken.None);
        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        return new Footprint(resident, size);
    }
}
