import { Module } from '@nestjs/common';
import { RecoveryPlansController } from './recovery-plans.controller';
import { RecoveryPlansService } from './recovery-plans.service';

@Module({ controllers: [RecoveryPlansController], providers: [RecoveryPlansService] })
export class RecoveryPlansModule {}
