# JVM flags every Stardust launcher needs on Java 17 (Agrona, Chronicle Map, the archive's CRC-32); sourced by
# bin/stardust and bin/conformance. Keep in step with stardust.jvm.flags in pom.xml.
# shellcheck disable=SC2034
stardust_jvm_flags=(
    --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
    --add-opens=java.base/java.lang=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.util.zip=ALL-UNNAMED
    --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
    --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
    --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
    -Dchronicle.analytics.disable=true
    -Dchronicle.disk.monitor.disable=true
    -Dchronicle.announcer.disable=true
    -XX:+UseParallelGC
)
