using System.Buffers;
using System.Collections.Concurrent;

using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Cybernet.Benchmarks;

/// <summary>
/// A real SMTP server on loopback (the SmtpServer library: full protocol, pipelining) that keeps nothing but a
/// count of messages per recipient. smtp4dev stores and indexes every message and takes about 20 a second,
/// which would measure smtp4dev; this measures what our side costs.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task running;
    private readonly Store store = new();

    public SmtpSink()
    {
        Port = Cybernet.Testing.FreePort.Next();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(e => e.Port(Port).Endpoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Port))).Build();
        var services = new ServiceProvider();
        services.Add(store);
        running = new SmtpServer.SmtpServer(options, services).StartAsync(stop.Token);
    }

    public int Port { get; }

    public IReadOnlyDictionary<string, string> WebSettings => new Dictionary<string, string>
    {
        ["Email:Host"] = "127.0.0.1",
        ["Email:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Messages received so far, in all.</summary>
    public long Total => store.PerRecipient.Values.Sum();

    /// <summary>Messages received so far, by recipient address.</summary>
    public IReadOnlyDictionary<string, int> PerRecipient => store.PerRecipient;

    public void Clear() => store.PerRecipient.Clear();

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }

    private sealed class Store : MessageStore
    {
        public ConcurrentDictionary<string, int> PerRecipient { get; } = new(StringComparer.OrdinalIgnoreCase);

        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            foreach (var to in transaction.To)
            {
                PerRecipient.AddOrUpdate($"{to.User}@{to.Host}", 1, (_, n) => n + 1);
            }

            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
