using Cybernet.Silo.Tests.Grains;

namespace Cybernet.Silo.Tests;

public sealed class ReminderTests
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Reminder_fires_after_a_silo_restart()
    {
        await using var deployment = await SiloDeployment.CreateAsync(nameof(Reminder_fires_after_a_silo_restart));
        var first = await deployment.StartSiloAsync("before-restart");
        await SiloDeployment.Grains(first).GetGrain<IBeaconGrain>("beacon").StartAsync(Period);
        await TestWait.UntilAsync(
            async () => (await SiloDeployment.Grains(first).GetGrain<IBeaconGrain>("beacon").GetFiringSilosAsync()).Contains("before-restart"),
            Patience, "the reminder fired on the first silo");
        await deployment.StopSiloAsync(first);

        var second = await deployment.StartSiloAsync("after-restart");

        var beacon = SiloDeployment.Grains(second).GetGrain<IBeaconGrain>("beacon");
        await TestWait.UntilAsync(
            async () => (await beacon.GetFiringSilosAsync()).Contains("after-restart"),
            Patience, "the reminder, stored in PostgreSQL, fired again on the silo started after the restart");
        // The firing from before the restart was read back from grain storage, not lost.
        Assert.Contains("before-restart", await beacon.GetFiringSilosAsync());
    }
}
